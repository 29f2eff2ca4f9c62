"""Where ld.so looks for a library name, in glibc 2.36's order (`elf/dl-load.c`).

DT_RPATH of the loading object, its loaders and the program (while the
loading object has no DT_RUNPATH); LD_LIBRARY_PATH; DT_RUNPATH of the loading
object only; /etc/ld.so.cache; the default folders unless DF_1_NODEFLIB.
Each folder is tried through the glibc-hwcaps and legacy hwcap subfolders the
CPU searches (loader/hwcaps.py) before itself. `$ORIGIN`, `$LIB` and
`$PLATFORM` are expanded in every path list. A file of another class or
machine is skipped; any other file that cannot be loaded stops the search.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from loader.deps.closure import FoundBy, Library, host_path
from loader.deps.dynamic import DynInfo, HeaderCheck, check_header
from loader.deps.ldcache import LdSoCache, read_ld_so_cache
from loader.hostfs import HostFs
from loader.hwcaps import HwCaps

# glibc's system search path on Debian x86-64 (`ld.so --help`).
DEFAULT_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib")
DST_LIB = "lib/x86_64-linux-gnu"  # Debian builds glibc with slibdir=/lib/x86_64-linux-gnu
DST_PLATFORM = "x86_64"  # AT_PLATFORM of an x86-64 kernel: $PLATFORM when ld.so names no other
_DST = re.compile(r"\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))")

Found = tuple[str | None, FoundBy | None, str]  # (guest path, how, "") or (None, None, reason)


@dataclass
class Loaded:
    """An object in the link map (resolver.py): where it searches from, what it needs."""

    path: str  # guest path as opened ("" never: the program keeps its path)
    info: DynInfo  # its RPATH, RUNPATH, DF_1_NODEFLIB and DT_NEEDED
    origin: str  # guest folder $ORIGIN expands to
    loader: Loaded | None  # whose DT_NEEDED loaded it: its RPATH is searched too
    names: set[str]
    lib: Library | None  # None for the program


class Search:
    """ld.so's search for one program: its sysroot, cwd, CPU and LD_LIBRARY_PATH."""

    def __init__(self, sysroot: str, cwd: str, caps: HwCaps, ld_library_path: str | None,
                 fs: HostFs) -> None:
        self.sysroot = sysroot
        self.cwd = cwd
        self.caps = caps
        self.llp_raw = ld_library_path
        self.fs = fs
        self.cache: LdSoCache | None = None  # read on first use
        self._llp: list[str] | None = None

    def expand(self, s: str, origin: str) -> str:
        """Expand $ORIGIN (to origin), $LIB and $PLATFORM in s."""

        def sub(m: re.Match[str]) -> str:
            word = m.group(1) or m.group(2)
            if word == "ORIGIN":
                return origin
            return DST_LIB if word == "LIB" else self.caps.platform or DST_PLATFORM

        return _DST.sub(sub, s)

    def dirs_of(self, spec: str, seps: str, origin: str) -> list[str]:
        """Split a path list as ld.so's fillin_rpath does; "" stands for the cwd."""
        out: list[str] = []
        for raw in re.split(f"[{re.escape(seps)}]", spec):
            if raw:
                raw = self.expand(raw, origin)
                if not raw:
                    continue
                raw = raw.rstrip("/") or "/"
            if raw not in out:
                out.append(raw)
        return out

    def llp_dirs(self, main: Loaded) -> list[str]:
        """Return LD_LIBRARY_PATH's folders, DSTs expanded for the program."""
        if self._llp is None:
            self._llp = self.dirs_of(self.llp_raw, ":;", main.origin) if self.llp_raw else []
        return self._llp

    def to_abs(self, path: str) -> str:
        """Return path made absolute against the (guest) cwd, not normalised."""
        return self.fs.absolute(path, self.cwd)

    def try_file(self, guest: str) -> HeaderCheck:
        """Check one candidate file; see check_header, plus "absent"."""
        try:
            head = self.fs.read(host_path(self.sysroot, self.to_abs(guest)), 64)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return "absent"
        except IsADirectoryError:
            return "cannot read file data"
        except OSError as e:
            return f"cannot open shared object file ({e.strerror})"
        return check_header(head)

    def search_dirs(self, name: str, dirs: Sequence[str]) -> tuple[str | None, str | None]:
        """Try name in each folder and its hwcaps subfolders.

        Returns (guest path, None) when found, (None, error) when a file
        stops the search, (None, None) when nothing was found.
        """
        subs = [f"glibc-hwcaps/{h}" for h in self.caps.glibc_hwcaps]
        subs += [*self.caps.legacy_subdirs, ""]
        for d in dirs:
            for sub in subs:
                cand = posixpath.join(d, sub, name) if sub else posixpath.join(d, name)
                if d == "":
                    cand = posixpath.join(sub, name) if sub else name
                res = self.try_file(cand)
                if res == "ok":
                    return self.to_abs(cand), None
                if res not in ("absent", "other"):
                    return None, f"{cand}: {res}"
        return None, None

    def find(self, name: str, loader: Loaded, main: Loaded) -> Found:
        """Find name for loader as _dl_map_object does (main: the program)."""
        if loader.info.runpath is None:
            found = self._find_in_rpaths(name, loader, main)
            if found is not None:
                return found
        if self.llp_raw:
            path, err = self.search_dirs(name, self.llp_dirs(main))
            if path or err:
                return path, "ld_library_path", err or ""
        if loader.info.runpath is not None:
            path, err = self.search_dirs(name, self.dirs_of(loader.info.runpath, ":", loader.origin))
            if path or err:
                return path, "runpath", err or ""
        if loader.info.nodeflib:
            return None, None, "not found"
        return self._find_in_system(name)

    def _find_in_rpaths(self, name: str, loader: Loaded, main: Loaded) -> Found | None:
        """Search the DT_RPATHs of loader, its loaders and the program; None when not there."""
        chain: list[Loaded] = []
        obj: Loaded | None = loader
        while obj is not None:
            chain.append(obj)
            obj = obj.loader
        if main not in chain:
            chain.append(main)
        for obj in chain:
            if obj.info.rpath is not None:
                path, err = self.search_dirs(name, self.dirs_of(obj.info.rpath, ":", obj.origin))
                if path or err:
                    return path, "rpath", err or ""
        return None

    def _find_in_system(self, name: str) -> Found:
        """Search /etc/ld.so.cache, then the default folders."""
        if self.cache is None:
            self.cache = read_ld_so_cache(self.sysroot, self.fs)
        cached = self.cache.lookup(name, self.caps)
        if cached is not None and self.try_file(cached) == "ok":
            return cached, "cache", ""
        path, err = self.search_dirs(name, DEFAULT_DIRS)
        if path or err:
            return path, "default", err or ""
        return None, None, "not found"
