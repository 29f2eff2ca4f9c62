"""What an image ships from the host besides the program: its plan.

A dynamic program's interpreter and libraries with every symlink on their
way (loader/deps), the files it loads at run time, the host's
/etc/ld.so.cache; then each --file and --dir. Computing a plan is the slow
part of a cold build, so it is memoised (loader/closure_cache.py) with what
it looked at: every host file is read through one traced HostFs
(loader/hostfs.py), so nothing read can be left out of that record.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from loader.closure_cache import Plan, PlanKey, Shipped, StoredPlan, make_stored_plan
from loader.errors import ImageError
from loader.etc import LD_SO_CACHE
from loader.fstrace import FsTrace
from loader.hostfs import HostFs


@dataclass(frozen=True)
class ExtraPath:
    """A host file or folder to add to the image (--file, --dir)."""

    host_path: str
    guest_path: str


def make_plan(program: str | os.PathLike[str], dynamic: bool, extra: list[ExtraPath],
              pkey: PlanKey) -> StoredPlan:
    """Find what the image ships besides the program, recording what that looked at.

    Raises MissingLibrary when a dynamic program's closure is incomplete and
    ImageError when an extra path does not exist.
    """
    trace = FsTrace()
    fs = HostFs(trace)
    dyn = tuple(_iter_dynamic_plan(program, pkey, fs)) if dynamic else ()
    plan = Plan(dyn, tuple(s for x in extra for s in _iter_extra_plan(x, fs)))
    return make_stored_plan(pkey, plan, dynamic, trace)


def _iter_dynamic_plan(program: str | os.PathLike[str], pkey: PlanKey,
                       fs: HostFs) -> Iterator[Shipped]:
    """Yield the interpreter, libraries, run-time files and ld.so.cache of a dynamic program.

    Libraries are resolved for the CPU the guest has under pkey.accel.
    """
    from loader.deps import get_guest_hwcaps, iter_runtime_files, resolve_deps  # not on a warm run

    closure = resolve_deps(program, ld_library_path=pkey.ld_library_path,
                           hwcaps=get_guest_hwcaps(pkey.accel), fs=fs)
    closure.require_complete()
    for link in closure.program_links:
        yield Shipped(link.path, closure.host_path(link.path), "l", link.target)
    for lib in closure.iter_objects():
        for link in lib.links:
            yield Shipped(link.path, closure.host_path(link.path), "l", link.target)
        yield Shipped(lib.real_path, closure.host_path(lib.real_path), "f")
    for rf in iter_runtime_files(closure, fs=fs):
        yield from _iter_present(rf.guest_path, rf.host_path, fs)
    if fs.is_file(LD_SO_CACHE):
        yield Shipped(LD_SO_CACHE, LD_SO_CACHE, "f")


def _iter_present(guest: str, host: str, fs: HostFs) -> Iterator[Shipped]:
    """Yield host as a link or a regular file placed at guest; nothing for anything else."""
    kind = fs.kind(host)  # a link's target and a file's kind change only with its entry
    if kind == "l":
        yield Shipped(guest, host, "l", fs.readlink(host))
    elif kind == "f":
        yield Shipped(guest, host, "f")


def _iter_extra_plan(x: ExtraPath, fs: HostFs) -> Iterator[Shipped]:
    """Yield what one --file or --dir ships: a file, a link, or a tree (links kept).

    A tree's folders, empty ones too, are entries of their own with their host
    attributes. Raises ImageError when x.host_path does not exist.
    """
    kind = fs.kind(x.host_path)
    if kind in ("l", "f"):
        yield from _iter_present(x.guest_path, x.host_path, fs)
    elif kind == "d":
        for root, dirs, files in fs.walk(x.host_path):
            rel = os.path.relpath(root, x.host_path)
            groot = x.guest_path if rel == "." else posixpath.join(x.guest_path, rel)
            yield Shipped(groot, root, "d")
            for name in sorted(dirs + files):
                yield from _iter_present(posixpath.join(groot, name), os.path.join(root, name), fs)
    else:
        raise ImageError(f"{x.host_path}: no such file or folder to add to the image")
