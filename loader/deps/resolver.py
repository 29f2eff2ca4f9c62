"""The shared-library closure of a program as ld.so would resolve it.

This is glibc 2.36's x86-64 ld.so (`elf/dl-load.c`, `elf/dl-cache.c`) read
from the ELF files alone, never by running the program:

- PT_INTERP is the interpreter; it is loaded first and answers to its SONAME.
- DT_NEEDED entries are loaded breadth-first, in order, which is the order
  of the link map (`ldd`'s order). A name already loaded (the path it was
  opened under, a DT_NEEDED name it was loaded for, or its DT_SONAME) is not
  loaded again, and neither is a second name for the same file (dev, inode).
- A name with a slash is a path; any other is searched for (search.py).
- The program's `$ORIGIN` is the folder of its real path (/proc/self/exe); a
  library's is the folder of the path it was opened under, symlinks kept.
- A file of the wrong ELF class or machine is skipped and the search goes
  on; any other unloadable file (not ELF, a folder, ...) stops the search
  with an error, as ld.so's does.

Host files are read through a HostFs (loader/hostfs.py), so that image.py can
memoise a closure and check it later with stat calls alone. The CPU's hwcaps
are the host's by default; an image passes the guest CPU's (loader/hwcaps.py).
"""

from __future__ import annotations

import os
import posixpath

from loader.deps import dynamic
from loader.deps.closure import DepClosure, FoundBy, Library, MissingLib, Symlink, host_path, resolve_symlinks
from loader.deps.dynamic import ELF_MAGIC, DynInfo
from loader.deps.search import Loaded, Search
from loader.errors import ElfFormatError
from loader.hostfs import HostFs
from loader.hwcaps import HwCaps, get_host_hwcaps


class LinkMap:
    """ld.so's link map for one program, grown breadth-first."""

    def __init__(self, search: Search) -> None:
        self.search = search
        self.fs = search.fs
        self.sysroot = search.sysroot
        self.loaded: list[Loaded] = []
        self.by_file: dict[tuple[int, int], Loaded] = {}
        self.main: Loaded | None = None
        self.missing: list[MissingLib] = []

    def find_loaded(self, name: str) -> Loaded | None:
        """Return the loaded object name matches (_dl_name_match_p or its SONAME)."""
        for obj in self.loaded:
            if name in obj.names or (obj.info.soname is not None and name == obj.info.soname):
                obj.names.add(name)
                return obj
        return None

    def add(self, obj: Loaded, file_id: tuple[int, int] | None) -> None:
        """Append obj to the link map."""
        self.loaded.append(obj)
        if file_id is not None:
            self.by_file[file_id] = obj

    def file_id(self, guest: str) -> tuple[int, int] | None:
        """Return (device, inode) of a guest file, or None if it cannot be stat'ed."""
        st = self.fs.stat(host_path(self.sysroot, guest))
        return None if st is None else (st.st_dev, st.st_ino)

    def read(self, path: str) -> tuple[DynInfo, str, tuple[Symlink, ...]]:
        """Return the dynamic section of a guest file, its real path and the links to it."""
        info = dynamic.read_dyninfo(host_path(self.sysroot, path), path, self.fs)
        real, links = resolve_symlinks(self.sysroot, path, self.fs)
        return info, real, links

    def load_needed(self, name: str, loader: Loaded) -> Loaded | None:
        """Map one DT_NEEDED entry of loader; return the object if newly loaded."""
        if self.find_loaded(name) is not None or any(m.name == name for m in self.missing):
            return None  # ld.so's trace mode fakes a missing object: it is reported once
        assert self.main is not None
        expanded = self.search.expand(name, loader.origin)
        how: FoundBy | None
        if "/" in expanded:
            res = self.search.try_file(expanded)
            path = self.search.to_abs(expanded) if res == "ok" else None
            how = "path"
            reason = "not found" if res in ("absent", "other") else f"{expanded}: {res}"
        else:
            path, how, reason = self.search.find(expanded, loader, self.main)
        if path is None or how is None:
            self.missing.append(MissingLib(name, loader.path, reason))
            return None
        fid = self.file_id(path)
        if fid is not None and fid in self.by_file:
            self.by_file[fid].names.add(name)
            return None
        return self.open_object(name, path, loader, how, fid)

    def open_object(
        self, name: str, path: str, loader: Loaded, how: FoundBy, fid: tuple[int, int] | None
    ) -> Loaded:
        """Read a found library and append it to the link map."""
        info, real, links = self.read(path)
        lib = Library(name, info.soname, path, real, loader.path, how, links)
        obj = Loaded(path, info, posixpath.dirname(path), loader, {name, path}, lib)
        self.add(obj, fid)
        return obj

    def load_deps(self, start: list[Loaded]) -> None:
        """Load the DT_NEEDED entries of start and of everything they load, breadth-first."""
        queue = list(start)
        i = 0
        while i < len(queue):
            obj = queue[i]
            i += 1
            for name in obj.info.needed:
                new = self.load_needed(name, obj)
                if new is not None:
                    queue.append(new)

    def load_program(self, program: str) -> tuple[str, tuple[Symlink, ...], Library | None]:
        """Load the program and its interpreter; return (real path, links, interpreter)."""
        self._check_program(program)
        info, real, links = self.read(program)
        main = Loaded(program, info, posixpath.dirname(real), None, set(), None)
        self.main = main
        self.add(main, self.file_id(program))
        interp = self.load_interp(info.interp, main) if info.interp else None
        return real, links, interp

    def _check_program(self, program: str) -> None:
        """Raise ElfFormatError when program is not an x86-64 ELF file ld.so could load."""
        res = self.search.try_file(program)
        if res == "absent":
            raise ElfFormatError(f"{program}: no such file")
        if res == "ok":
            return
        if self.fs.read(host_path(self.sysroot, program), 4) != ELF_MAGIC:
            raise ElfFormatError(f"{program}: not an ELF file")
        if res == "other":
            raise ElfFormatError(f"{program}: not an x86-64 ELF64 file")
        raise ElfFormatError(f"{program}: {res}")

    def load_interp(self, interp: str, main: Loaded) -> Library | None:
        """Map PT_INTERP as the kernel does (a path, no search); record it missing if absent."""
        res = self.search.try_file(interp)
        if res != "ok":
            reason = "interpreter not found" if res in ("absent", "other") else res
            self.missing.append(MissingLib(interp, main.path, reason))
            return None
        info, real, links = self.read(interp)
        lib = Library(interp, info.soname, interp, real, main.path, "interp", links)
        obj = Loaded(interp, info, posixpath.dirname(interp), None, {interp}, lib)
        self.add(obj, self.file_id(interp))
        return lib

    def dlopen(self, path: str, loader: Loaded) -> Loaded | None:
        """Load path as dlopen(path) from loader would, with its dependencies."""
        found = self.find_loaded(path)
        if found is not None:
            return found
        fid = self.file_id(path)
        if fid is None or self.search.try_file(path) != "ok":
            return None
        if fid in self.by_file:
            return self.by_file[fid]
        obj = self.open_object(path, path, loader, "path", fid)
        self.load_deps([obj])
        return obj

    def dlopen_name(self, name: str, loader: Loaded) -> Loaded | None:
        """Load a bare soname as dlopen(name) from loader would; None if not found."""
        found = self.find_loaded(name)
        if found is not None:
            return found
        n_missing = len(self.missing)
        new = self.load_needed(name, loader)
        del self.missing[n_missing:]
        if new is not None:
            self.load_deps([new])
        return new or self.find_loaded(name)


def new_link_map(sysroot: str, ld_library_path: str | None, cwd: str | None,
                 hwcaps: HwCaps | None, fs: HostFs | None) -> LinkMap:
    """Make an empty link map with the defaults resolve_deps documents."""
    fs = fs or HostFs()
    caps = hwcaps if hwcaps is not None else get_host_hwcaps()
    return LinkMap(Search(os.fspath(sysroot), cwd or fs.cwd(), caps, ld_library_path, fs))


def load_closure(lm: LinkMap, binary: str | os.PathLike[str]) -> tuple[str, str, tuple[Symlink, ...],
                                                                       Library | None]:
    """Load binary and everything it needs into lm; return (program, real path, links, interpreter)."""
    program = posixpath.normpath(lm.search.to_abs(os.fspath(binary)))
    real, links, interp = lm.load_program(program)
    assert lm.main is not None
    if interp is not None or lm.main.info.needed:
        lm.load_deps([lm.main])
    return program, real, links, interp


def resolve_deps(
    binary: str | os.PathLike[str],
    sysroot: str | os.PathLike[str] = "/",
    ld_library_path: str | None = None,
    *,
    cwd: str | None = None,
    hwcaps: HwCaps | None = None,
    fs: HostFs | None = None,
) -> DepClosure:
    """Resolve the shared-library closure of binary as ld.so would.

    binary is a path inside sysroot (with sysroot "/", a host path); a
    relative one, like a relative search folder, is taken from cwd (default:
    the current folder). ld_library_path is the LD_LIBRARY_PATH the program
    will run with (default: none). hwcaps defaults to the host CPU's; fs
    (default: an untraced HostFs) is what host files are read through.

    Returns the DepClosure; libraries that cannot be found are listed in its
    missing list (see DepClosure.require_complete). Raises ElfFormatError
    when binary itself (or a library found) is not a readable ELF file.
    """
    lm = new_link_map(os.fspath(sysroot), ld_library_path, cwd, hwcaps, fs)
    program, real, links, interp = load_closure(lm, binary)
    s = lm.search
    return DepClosure(
        program=program,
        program_real=real,
        program_links=links,
        sysroot=s.sysroot,
        interpreter=interp,
        libraries=[o.lib for o in lm.loaded if o.lib is not None and o.lib is not interp],
        missing=list(lm.missing),
        ld_library_path=ld_library_path,
        cwd=s.cwd,
        hwcaps=s.caps,
        aliases={n: o.path for o in lm.loaded if o.lib is not None for n in sorted(o.names)},
    )
