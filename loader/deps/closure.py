"""A program's library closure as a result: what ld.so loads, from where, and why.

Paths are guest paths: where a file is inside the sysroot, which is where
ld.so sees it in the VM; host_path maps one to the host. resolve_symlinks
walks a guest path's links inside the sysroot, as the guest kernel will.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from loader.errors import MissingLibrary
from loader.hostfs import HostFs
from loader.hwcaps import HwCaps

FoundBy = Literal["interp", "path", "rpath", "ld_library_path", "runpath", "cache", "default"]
MAX_SYMLINKS = 40  # Linux's limit when resolving one path


@dataclass(frozen=True)
class Symlink:
    """One symbolic link crossed while opening a path: recreate it as is."""

    path: str  # guest path of the link itself
    target: str  # its contents (os.readlink), relative or absolute


@dataclass(frozen=True)
class Library:
    """A shared object in the closure, and how ld.so found it."""

    name: str  # the DT_NEEDED string that loaded it (PT_INTERP for the interpreter)
    soname: str | None  # its own DT_SONAME
    path: str  # the guest path ld.so opens, maybe through symlinks
    real_path: str  # the same with every symlink resolved (the file to copy)
    needed_by: str  # guest path of the object whose DT_NEEDED named it
    found_by: FoundBy
    links: tuple[Symlink, ...] = ()  # the symlinks from path to real_path, in order


@dataclass(frozen=True)
class MissingLib:
    """A DT_NEEDED entry (or the interpreter) that ld.so would fail to load."""

    name: str
    needed_by: str  # guest path of the object that needs it
    reason: str  # "not found", or why the file found cannot be loaded


@dataclass
class DepClosure:
    """The program, its interpreter and its libraries in ld.so's load order."""

    program: str  # guest path as given
    program_real: str  # guest path with symlinks resolved (where the image puts it)
    program_links: tuple[Symlink, ...]
    sysroot: str
    interpreter: Library | None  # None for a static program
    libraries: list[Library] = field(default_factory=list)  # without the interpreter
    missing: list[MissingLib] = field(default_factory=list)
    ld_library_path: str | None = None
    cwd: str = "/"
    hwcaps: HwCaps | None = None  # the CPU capabilities the search assumed
    aliases: dict[str, str] = field(default_factory=dict)  # every name loaded -> Library.path

    def host_path(self, guest: str) -> str:
        """Return where the guest path guest is on the host."""
        return host_path(self.sysroot, guest)

    def iter_objects(self) -> Iterator[Library]:
        """Yield the interpreter (if any), then each library in load order."""
        if self.interpreter is not None:
            yield self.interpreter
        yield from self.libraries

    def get_library(self, soname: str) -> Library | None:
        """Return the loaded object answering to soname (or any name it was loaded for), or None."""
        path = self.aliases.get(soname)
        for lib in self.iter_objects():
            if soname in (lib.soname, lib.name) or lib.path == path:
                return lib
        return None

    def has_library(self, soname: str) -> bool:
        """Return True when an object of the closure answers to soname."""
        return self.get_library(soname) is not None

    def require_complete(self) -> None:
        """Raise MissingLibrary naming the first missing library and its program.

        Returns None when every library (and the interpreter) was found.
        """
        if not self.missing:
            return
        m = self.missing[0]
        more = f" (and {len(self.missing) - 1} more)" if len(self.missing) > 1 else ""
        via = "" if m.needed_by == self.program else f" via {m.needed_by}"
        raise MissingLibrary(
            f"{m.name}: needed by {self.program}{via}, {m.reason}{more}"
            + (f" under {self.sysroot}" if self.sysroot != "/" else "")
        )


def host_path(sysroot: str, guest: str) -> str:
    """Map an absolute guest path to the host path under sysroot."""
    if sysroot in ("", "/"):
        return guest
    return os.path.join(sysroot, guest.lstrip("/"))


def resolve_symlinks(sysroot: str, guest: str,
                     fs: HostFs | None = None) -> tuple[str, tuple[Symlink, ...]]:
    """Resolve every symlink in the absolute guest path inside sysroot.

    Absolute link targets are read as paths inside sysroot, as the guest
    kernel will. Returns (real guest path, the links crossed in order).
    A missing component ends the walk with the rest of the path kept as is.
    """
    fs = fs or HostFs()
    todo = [p for p in reversed(guest.split("/")) if p]
    done = "/"
    links: list[Symlink] = []
    while todo:
        part = todo.pop()
        if part == ".":
            continue
        if part == "..":
            done = posixpath.dirname(done)
            continue
        cand = posixpath.join(done, part)
        target = fs.readlink(host_path(sysroot, cand))
        if target is None:  # not a link, or missing
            done = cand
            continue
        if len(links) >= MAX_SYMLINKS:
            return posixpath.join(cand, *reversed(todo)), tuple(links)
        links.append(Symlink(cand, target))
        if target.startswith("/"):
            done = "/"
        todo.extend(p for p in reversed(target.split("/")) if p)
    return done, tuple(links)
