"""The shared-library closure of a program as ld.so would resolve it, and the
files it loads at run time without DT_NEEDED.

This is glibc 2.36's x86-64 ld.so (`elf/dl-load.c`, `elf/dl-cache.c`) read
from the ELF files alone, never by running the program:

- PT_INTERP is the interpreter; it is loaded first and answers to its SONAME.
- DT_NEEDED entries are loaded breadth-first, in order, which is the order
  of the link map (`ldd`'s order). A name already loaded (the path it was
  opened under, a DT_NEEDED name it was loaded for, or its DT_SONAME) is not
  loaded again, and neither is a second name for the same file (dev, inode).
- A name with a slash is a path. Any other name is searched for in:
  1. DT_RPATH of the loading object, then of its loader, up the chain, then
     of the program (only while the loading object has no DT_RUNPATH; an
     object with both uses only its DT_RUNPATH);
  2. LD_LIBRARY_PATH (`:` or `;` separated; an empty element is the cwd);
  3. DT_RUNPATH of the loading object only (not inherited);
  4. /etc/ld.so.cache, then the default directories, unless the loading
     object has DF_1_NODEFLIB.
  Each directory is tried through its glibc-hwcaps subdirectories (those the
  CPU supports, best first) and the legacy HWCAP subdirectories (tls,
  platform, x86_64) before itself, as `LD_DEBUG=libs` shows.
- `$ORIGIN`, `$LIB` (lib/x86_64-linux-gnu on Debian) and `$PLATFORM` (the
  platform of the hwcaps: the kernel's AT_PLATFORM, x86_64, unless glibc
  names one from CPUID, haswell on a recent Intel CPU) are
  expanded in DT_NEEDED, DT_RPATH, DT_RUNPATH and LD_LIBRARY_PATH. The
  program's `$ORIGIN` is the folder of its real path (/proc/self/exe); a
  library's is the folder of the path it was opened under, symlinks kept.
- A file of the wrong ELF class or machine is skipped and the search goes
  on; any other unloadable file (not ELF, a folder, ...) stops the search
  with an error, as ld.so's does.

Paths in results are guest paths: where the file is inside `sysroot`, which
is where ld.so sees it in the VM. `DepClosure.host_path` maps one to the
host. Every look at a host file is told to loader/fstrace.py first (a no-op
unless a trace is on), so that image.py can memoise a closure and check it
later with stat calls alone. The CPU's hwcaps come from loader/hwcaps.py
(by default the host's, `ld.so --help` of its own interpreter; an image
passes the guest CPU's; re-exported here).
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from loader.errors import ElfFormatError, MissingLibrary
from loader.fstrace import note_cwd, note_listing, note_lookup, note_read
from loader.hwcaps import (HOST_INTERP, HwCaps, get_guest_hwcaps, get_host_hwcaps,  # noqa: F401
                           parse_ld_so_help)

FoundBy = Literal["interp", "path", "rpath", "ld_library_path", "runpath", "cache", "default"]

LD_SO_CACHE = "/etc/ld.so.cache"
# glibc's system search path on Debian x86-64 (`ld.so --help`).
DEFAULT_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib")
DST_LIB = "lib/x86_64-linux-gnu"  # Debian builds glibc with slibdir=/lib/x86_64-linux-gnu
DST_PLATFORM = "x86_64"  # AT_PLATFORM of an x86-64 kernel: $PLATFORM when ld.so names no other
MAX_SYMLINKS = 40  # Linux's limit when resolving one path

# ELF constants (System V gABI) for the header check ld.so's open_verify does.
_ELF_MAGIC = b"\x7fELF"
_ELFCLASS64, _ELFDATA2LSB, _EV_CURRENT = 2, 1, 1
_ELFOSABI_OK = (0, 3)  # SYSV, GNU
_ET_EXEC, _ET_DYN = 2, 3
_EM_X86_64 = 62
_DF_1_NODEFLIB = 0x800

# libc sonames whose presence turns on the glibc run-time file rules.
_GLIBC_SONAME = "libc.so.6"
_SSL_SONAME = re.compile(r"^lib(ssl|gnutls)\.so\.")
_TINFO_SONAME = re.compile(r"^lib(tinfo|ncurses|ncursesw)\.so\.")
_PYLIB_SONAME = re.compile(r"^libpython(\d+\.\d+)[a-z]*\.so")


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
        return _host_path(self.sysroot, guest)

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


class RuntimeFile(NamedTuple):
    """A file the program loads at run time without DT_NEEDED.

    host_path may be a symbolic link: then recreate it in the image as a link
    with os.readlink(host_path) as its target; its target is yielded too.
    """

    host_path: str
    guest_path: str
    reason: str


# ---------------------------------------------------------------------------
# Paths inside the sysroot


def _host_path(sysroot: str, guest: str) -> str:
    """Map an absolute guest path to the host path under sysroot."""
    if sysroot in ("", "/"):
        return guest
    return os.path.join(sysroot, guest.lstrip("/"))


def resolve_symlinks(sysroot: str, guest: str) -> tuple[str, tuple[Symlink, ...]]:
    """Resolve every symlink in the absolute guest path inside sysroot.

    Absolute link targets are read as paths inside sysroot, as the guest
    kernel will. Returns (real guest path, the links crossed in order).
    A missing component ends the walk with the rest of the path kept as is.
    """
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
        note_lookup(_host_path(sysroot, cand))
        try:
            target = os.readlink(_host_path(sysroot, cand))
        except OSError:  # not a link, or missing
            done = cand
            continue
        if len(links) >= MAX_SYMLINKS:
            return posixpath.join(cand, *reversed(todo)), tuple(links)
        links.append(Symlink(cand, target))
        if target.startswith("/"):
            done = "/"
        todo.extend(p for p in reversed(target.split("/")) if p)
    return done, tuple(links)


# ---------------------------------------------------------------------------
# /etc/ld.so.cache

_OLD_MAGIC = b"ld.so-1.7.0"
_NEW_MAGIC = b"glibc-ld.so.cache1.1"
_OLD_HEADER = struct.Struct("<11sxI")  # magic, nlibs (padded to 16 bytes)
_OLD_ENTRY = struct.Struct("<iII")  # flags, key, value
_NEW_HEADER = struct.Struct("<20sIIB3xI12x")  # magic+version, nlibs, len_strings, flags, ext
_NEW_ENTRY = struct.Struct("<iIIIQ")  # flags, key, value, osversion, hwcap
_EXT_MAGIC = 0xEAA42174  # (uint32_t) -358342284
_EXT_HEADER = struct.Struct("<II")  # magic, count
_EXT_SECTION = struct.Struct("<IIII")  # tag, flags, offset, size
_EXT_TAG_GLIBC_HWCAPS = 1
_FLAG_X8664_LIBC6 = 0x0303  # FLAG_ELF_LIBC6 | FLAG_X8664_LIB64: what x86-64 ld.so accepts
_HWCAP_EXTENSION = 1 << 62
_ISA_LEVEL_MASK = (1 << 10) - 1
_HWCAP_X86_64, _HWCAP_X86_AVX512_1 = 1 << 1, 1 << 2
_HWCAP_PLATFORM_BITS = 0b11 << 48  # x86 platforms: haswell (bit 48), xeon_phi (bit 49)
_HWCAP_TLS = 1 << 63
_X86_PLATFORMS = {"haswell": 1 << 48, "xeon_phi": 1 << 49}
_ISA_LEVELS = ("baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4")


@dataclass(frozen=True)
class CacheEntry:
    """One row of ld.so.cache: a library name and the path ldconfig found for it."""

    name: str
    path: str
    flags: int
    hwcap: int = 0
    hwcaps_subdir: str | None = None  # for glibc-hwcaps entries, e.g. "x86-64-v3"

    @property
    def isa_level(self) -> int:
        """Return the x86 ISA level a glibc-hwcaps entry needs (0 = baseline)."""
        return (self.hwcap >> 32) & _ISA_LEVEL_MASK


def _libcmp_key(name: str) -> str:
    """Return name with digit runs normalised, as _dl_cache_libcmp compares them."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), name)


class LdSoCache:
    """A parsed /etc/ld.so.cache (new "glibc-ld.so.cache1.1" or old "ld.so-1.7.0")."""

    def __init__(self, entries: list[CacheEntry]) -> None:
        self.entries = entries
        self._by_name: dict[str, list[CacheEntry]] = {}
        for e in entries:
            self._by_name.setdefault(_libcmp_key(e.name), []).append(e)

    @classmethod
    def from_bytes(cls, data: bytes) -> LdSoCache:
        """Parse a cache file; an unknown or damaged one reads as empty, as in ld.so."""
        if data.startswith(_NEW_MAGIC):
            return cls(_parse_new_cache(data, 0))
        if data.startswith(_OLD_MAGIC) and len(data) >= _OLD_HEADER.size:
            (_, nlibs) = _OLD_HEADER.unpack_from(data)
            end = _OLD_HEADER.size + nlibs * _OLD_ENTRY.size
            if end > len(data):
                return cls([])
            new_at = (end + 7) & ~7  # ALIGN_CACHE: alignment of struct cache_file_new
            if data[new_at : new_at + len(_NEW_MAGIC)] == _NEW_MAGIC:
                return cls(_parse_new_cache(data, new_at))
            return cls(_parse_old_cache(data, nlibs, end))
        return cls([])

    def lookup(self, name: str, hwcaps: HwCaps) -> str | None:
        """Return the path ld.so takes from the cache for name, or None.

        glibc-hwcaps entries (listed first) win when the CPU supports their
        subdirectory and ISA level, the best subdirectory first; else the
        first plain entry with x86-64 libc6 flags. Legacy hwcap entries are
        kept only when their bits are the CPU's.
        """
        best: str | None = None
        best_prio = 0
        priorities = {sub: i + 1 for i, sub in enumerate(hwcaps.glibc_hwcaps)}
        isa_ok = {0} | {_ISA_LEVELS.index(s) for s in hwcaps.glibc_hwcaps if s in _ISA_LEVELS}
        for e in self._by_name.get(_libcmp_key(name), []):
            if e.flags != _FLAG_X8664_LIBC6:
                continue
            if e.hwcaps_subdir is not None:
                prio = priorities.get(e.hwcaps_subdir, 0)
                if e.isa_level in isa_ok and prio and (best is None or prio < best_prio):
                    best, best_prio = e.path, prio
                continue
            if best is not None:
                break
            if e.hwcap and not _legacy_hwcap_ok(e.hwcap, hwcaps):
                continue
            return e.path
        return best


def _legacy_hwcap_ok(hwcap: int, caps: HwCaps) -> bool:
    """Return True when a legacy-hwcap cache entry suits this CPU (glibc 2.36 rules)."""
    have = _HWCAP_X86_64 | (_HWCAP_X86_AVX512_1 if "avx512_1" in caps.legacy_hwcaps else 0)
    if hwcap & ~(have | _HWCAP_PLATFORM_BITS | _HWCAP_TLS):
        return False
    plat = hwcap & _HWCAP_PLATFORM_BITS
    return not plat or plat == _X86_PLATFORMS.get(caps.platform or "", -1)


def _cstr(data: bytes, offset: int) -> str | None:
    """Return the NUL-terminated string at offset, or None when out of range."""
    if not 0 <= offset < len(data):
        return None
    end = data.find(b"\0", offset)
    return data[offset : end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")


def _parse_new_cache(data: bytes, base: int) -> list[CacheEntry]:
    """Parse the new-format cache at offset base; string offsets count from base."""
    if len(data) < base + _NEW_HEADER.size:
        return []
    _, nlibs, _, flags, ext_off = _NEW_HEADER.unpack_from(data, base)
    if flags & 3 == 1:  # cache_file_new_flags_endian_big: not ours
        return []
    first = base + _NEW_HEADER.size
    if first + nlibs * _NEW_ENTRY.size > len(data):
        return []
    subdirs = _parse_hwcaps_extension(data, ext_off) if ext_off else []
    out = []
    for i in range(nlibs):
        eflags, key, value, _, hwcap = _NEW_ENTRY.unpack_from(data, first + i * _NEW_ENTRY.size)
        name, path = _cstr(data, base + key), _cstr(data, base + value)
        if name is None or path is None:
            continue
        sub = None
        if (hwcap >> 32) & ~_ISA_LEVEL_MASK == _HWCAP_EXTENSION >> 32:
            idx = hwcap & 0xFFFFFFFF
            sub = subdirs[idx] if idx < len(subdirs) else ""
        out.append(CacheEntry(name, path, eflags, hwcap, sub))
    return out


def _parse_hwcaps_extension(data: bytes, offset: int) -> list[str]:
    """Return the glibc-hwcaps subdirectory names of the cache's extension directory."""
    if offset + _EXT_HEADER.size > len(data):
        return []
    magic, count = _EXT_HEADER.unpack_from(data, offset)
    if magic != _EXT_MAGIC:
        return []
    for i in range(count):
        at = offset + _EXT_HEADER.size + i * _EXT_SECTION.size
        if at + _EXT_SECTION.size > len(data):
            break
        tag, _, sec_off, size = _EXT_SECTION.unpack_from(data, at)
        if tag == _EXT_TAG_GLIBC_HWCAPS and sec_off + size <= len(data):
            idx = struct.unpack_from(f"<{size // 4}I", data, sec_off)
            return [_cstr(data, s) or "" for s in idx]
    return []


def _parse_old_cache(data: bytes, nlibs: int, strings: int) -> list[CacheEntry]:
    """Parse an old-format cache whose string table starts at offset strings."""
    out = []
    for i in range(nlibs):
        flags, key, value = _OLD_ENTRY.unpack_from(data, _OLD_HEADER.size + i * _OLD_ENTRY.size)
        name, path = _cstr(data, strings + key), _cstr(data, strings + value)
        if name is not None and path is not None:
            out.append(CacheEntry(name, path, flags))
    return out


def read_ld_so_cache(sysroot: str = "/") -> LdSoCache:
    """Read sysroot's /etc/ld.so.cache; a missing file reads as an empty cache."""
    note_read(_host_path(sysroot, LD_SO_CACHE))
    try:
        with open(_host_path(sysroot, LD_SO_CACHE), "rb") as f:
            return LdSoCache.from_bytes(f.read())
    except OSError:
        return LdSoCache([])


# ---------------------------------------------------------------------------
# One shared object's dynamic section


@dataclass(frozen=True)
class _DynInfo:
    """What ld.so reads from one object's dynamic section."""

    soname: str | None
    needed: tuple[str, ...]
    rpath: str | None  # None when absent or overridden by DT_RUNPATH
    runpath: str | None
    nodeflib: bool
    interp: str | None


def _check_header(head: bytes) -> Literal["ok", "other"] | str:
    """Check an ELF header as ld.so's open_verify does.

    Returns "ok", "other" (other class or machine: ld.so skips the file and
    searches on), or the message of an error that stops loading.
    """
    if len(head) < 64:
        return "file too short"
    if head[:4] != _ELF_MAGIC:
        return "invalid ELF header"
    if head[4] != _ELFCLASS64:
        return "other"
    if head[5] != _ELFDATA2LSB:
        return "ELF file data encoding not little-endian"
    if head[6] != _EV_CURRENT:
        return "ELF file version ident does not match current one"
    if head[7] not in _ELFOSABI_OK:
        return "ELF file OS ABI invalid"
    e_type, e_machine = struct.unpack_from("<HH", head, 16)
    if e_machine != _EM_X86_64:
        return "other"
    if e_type not in (_ET_DYN, _ET_EXEC):
        return "only ET_DYN and ET_EXEC can be loaded"
    return "ok"


def _read_dyninfo(host: str, shown: str) -> _DynInfo:
    """Read the dynamic section of host with pyelftools; shown names it in errors."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSegment
    from elftools.elf.elffile import ELFFile
    from elftools.elf.segments import InterpSegment

    needed: list[str] = []
    soname = rpath = runpath = interp = None
    flags_1 = 0
    note_read(host)
    try:
        with open(host, "rb") as f:
            elf = ELFFile(f)
            for seg in elf.iter_segments():
                if isinstance(seg, InterpSegment):
                    interp = seg.get_interp_name()
                elif isinstance(seg, DynamicSegment):
                    for tag in seg.iter_tags():
                        t = tag.entry.d_tag
                        if t == "DT_NEEDED":
                            needed.append(tag.needed)
                        elif t == "DT_SONAME":
                            soname = tag.soname
                        elif t == "DT_RPATH":
                            rpath = tag.rpath
                        elif t == "DT_RUNPATH":
                            runpath = tag.runpath
                        elif t == "DT_FLAGS_1":
                            flags_1 = tag.entry.d_val
    except (ELFError, struct.error, ValueError) as e:
        raise ElfFormatError(f"{shown}: truncated or corrupt ELF file ({e})") from e
    except OSError as e:
        raise ElfFormatError(f"{shown}: cannot read ({e.strerror})") from e
    return _DynInfo(
        soname=soname,
        needed=tuple(needed),
        rpath=None if runpath is not None else rpath,  # get-dynamic-info.h drops RPATH
        runpath=runpath,
        nodeflib=bool(flags_1 & _DF_1_NODEFLIB),
        interp=interp,
    )


# ---------------------------------------------------------------------------
# The resolver

_DST = re.compile(r"\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))")


@dataclass
class _Loaded:
    """An object in the resolver's link map."""

    path: str  # guest path as opened ("" never: the program keeps its path)
    info: _DynInfo
    origin: str  # guest folder $ORIGIN expands to
    loader: _Loaded | None
    names: set[str]
    lib: Library | None  # None for the program


class _Resolver:
    """ld.so's link map for one program, grown breadth-first."""

    def __init__(self, sysroot: str, ld_library_path: str | None, cwd: str, caps: HwCaps) -> None:
        self.sysroot = sysroot
        self.cwd = cwd
        self.caps = caps
        self.llp_raw = ld_library_path
        self.cache: LdSoCache | None = None  # read on first use
        self.loaded: list[_Loaded] = []
        self.by_file: dict[tuple[int, int], _Loaded] = {}
        self.main: _Loaded | None = None
        self.missing: list[MissingLib] = []
        self._llp: list[str] | None = None

    # -- the link map

    def find_loaded(self, name: str) -> _Loaded | None:
        """Return the loaded object name matches (_dl_name_match_p or its SONAME)."""
        for obj in self.loaded:
            if name in obj.names or (obj.info.soname is not None and name == obj.info.soname):
                obj.names.add(name)
                return obj
        return None

    def add(self, obj: _Loaded, file_id: tuple[int, int] | None) -> None:
        """Append obj to the link map."""
        self.loaded.append(obj)
        if file_id is not None:
            self.by_file[file_id] = obj

    def file_id(self, guest: str) -> tuple[int, int] | None:
        """Return (device, inode) of a guest file, or None if it cannot be stat'ed."""
        note_read(_host_path(self.sysroot, guest))
        try:
            st = os.stat(_host_path(self.sysroot, guest))
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    # -- search paths

    def expand(self, s: str, obj: _Loaded) -> str:
        """Expand $ORIGIN, $LIB and $PLATFORM in s for obj."""

        def sub(m: re.Match[str]) -> str:
            word = m.group(1) or m.group(2)
            if word == "ORIGIN":
                return obj.origin
            return DST_LIB if word == "LIB" else self.caps.platform or DST_PLATFORM

        return _DST.sub(sub, s)

    def dirs_of(self, spec: str, seps: str, obj: _Loaded) -> list[str]:
        """Split a path list as ld.so's fillin_rpath does; "" stands for the cwd."""
        out: list[str] = []
        for raw in re.split(f"[{re.escape(seps)}]", spec):
            if raw:
                raw = self.expand(raw, obj)
                if not raw:
                    continue
                raw = raw.rstrip("/") or "/"
            if raw not in out:
                out.append(raw)
        return out

    def llp_dirs(self) -> list[str]:
        """Return LD_LIBRARY_PATH's folders, DSTs expanded for the program."""
        if self._llp is None:
            assert self.main is not None
            self._llp = self.dirs_of(self.llp_raw, ":;", self.main) if self.llp_raw else []
        return self._llp

    def to_abs(self, path: str) -> str:
        """Return path made absolute against the (guest) cwd, not normalised."""
        if path.startswith("/"):
            return path
        note_cwd()
        return posixpath.join(self.cwd, path)

    def try_file(self, guest: str) -> Literal["ok", "other", "absent"] | str:
        """Check one candidate file; see _check_header, plus "absent"."""
        host = _host_path(self.sysroot, self.to_abs(guest))
        note_read(host)
        try:
            with open(host, "rb") as f:
                head = f.read(64)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return "absent"
        except IsADirectoryError:
            return "cannot read file data"
        except OSError as e:
            return f"cannot open shared object file ({e.strerror})"
        return _check_header(head)

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

    def search(self, name: str, loader: _Loaded) -> tuple[str | None, FoundBy | None, str]:
        """Find name for loader as _dl_map_object does.

        Returns (guest path, how, "") or (None, None, reason).
        """
        if loader.info.runpath is None:
            chain: list[_Loaded] = []
            obj: _Loaded | None = loader
            while obj is not None:
                chain.append(obj)
                obj = obj.loader
            if self.main is not None and self.main not in chain:
                chain.append(self.main)
            for obj in chain:
                if obj.info.rpath is not None:
                    path, err = self.search_dirs(name, self.dirs_of(obj.info.rpath, ":", obj))
                    if path or err:
                        return path, "rpath", err or ""
        if self.llp_raw:
            path, err = self.search_dirs(name, self.llp_dirs())
            if path or err:
                return path, "ld_library_path", err or ""
        if loader.info.runpath is not None:
            path, err = self.search_dirs(name, self.dirs_of(loader.info.runpath, ":", loader))
            if path or err:
                return path, "runpath", err or ""
        if loader.info.nodeflib:
            return None, None, "not found"
        if self.cache is None:
            self.cache = read_ld_so_cache(self.sysroot)
        cached = self.cache.lookup(name, self.caps)
        if cached is not None and self.try_file(cached) == "ok":
            return cached, "cache", ""
        path, err = self.search_dirs(name, DEFAULT_DIRS)
        if path or err:
            return path, "default", err or ""
        return None, None, "not found"

    # -- loading

    def load_needed(self, name: str, loader: _Loaded) -> _Loaded | None:
        """Map one DT_NEEDED entry of loader; return the object if newly loaded."""
        if self.find_loaded(name) is not None or any(m.name == name for m in self.missing):
            return None  # ld.so's trace mode fakes a missing object: it is reported once
        expanded = self.expand(name, loader)
        how: FoundBy | None
        if "/" in expanded:
            res = self.try_file(expanded)
            path = self.to_abs(expanded) if res == "ok" else None
            how = "path"
            reason = "not found" if res in ("absent", "other") else f"{expanded}: {res}"
        else:
            path, how, reason = self.search(expanded, loader)
        if path is None or how is None:
            self.missing.append(MissingLib(name, loader.path, reason))
            return None
        fid = self.file_id(path)
        if fid is not None and fid in self.by_file:
            self.by_file[fid].names.add(name)
            return None
        return self.open_object(name, path, loader, how, fid)

    def open_object(
        self, name: str, path: str, loader: _Loaded, how: FoundBy, fid: tuple[int, int] | None
    ) -> _Loaded:
        """Read a found library and append it to the link map."""
        info = _read_dyninfo(_host_path(self.sysroot, path), path)
        real, links = resolve_symlinks(self.sysroot, path)
        lib = Library(name, info.soname, path, real, loader.path, how, links)
        obj = _Loaded(path, info, posixpath.dirname(path), loader, {name, path}, lib)
        self.add(obj, fid)
        return obj

    def load_deps(self, start: list[_Loaded]) -> None:
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
        host = _host_path(self.sysroot, program)
        res = self.try_file(program)
        if res == "absent":
            raise ElfFormatError(f"{program}: no such file")
        if res != "ok":
            with open(host, "rb") as f:
                is_elf = f.read(4) == _ELF_MAGIC
            if not is_elf:
                raise ElfFormatError(f"{program}: not an ELF file")
            if res == "other":
                raise ElfFormatError(f"{program}: not an x86-64 ELF64 file")
            raise ElfFormatError(f"{program}: {res}")
        info = _read_dyninfo(host, program)
        real, links = resolve_symlinks(self.sysroot, program)
        main = _Loaded(program, info, posixpath.dirname(real), None, set(), None)
        self.main = main
        self.add(main, self.file_id(program))
        interp = self.load_interp(info.interp, main) if info.interp else None
        return real, links, interp

    def load_interp(self, interp: str, main: _Loaded) -> Library | None:
        """Map PT_INTERP as the kernel does (a path, no search); record it missing if absent."""
        res = self.try_file(interp)
        if res != "ok":
            reason = "interpreter not found" if res in ("absent", "other") else res
            self.missing.append(MissingLib(interp, main.path, reason))
            return None
        info = _read_dyninfo(_host_path(self.sysroot, interp), interp)
        real, links = resolve_symlinks(self.sysroot, interp)
        lib = Library(interp, info.soname, interp, real, main.path, "interp", links)
        obj = _Loaded(interp, info, posixpath.dirname(interp), None, {interp}, lib)
        self.add(obj, self.file_id(interp))
        return lib

    def dlopen(self, path: str, loader: _Loaded) -> _Loaded | None:
        """Load path as dlopen(path) from loader would, with its dependencies."""
        found = self.find_loaded(path)
        if found is not None:
            return found
        fid = self.file_id(path)
        if fid is None or self.try_file(path) != "ok":
            return None
        if fid in self.by_file:
            return self.by_file[fid]
        obj = self.open_object(path, path, loader, "path", fid)
        self.load_deps([obj])
        return obj

    def dlopen_name(self, name: str, loader: _Loaded) -> _Loaded | None:
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


def _guest_program(binary: str | os.PathLike[str], sysroot: str, cwd: str) -> str:
    """Return the absolute guest path of binary (a path inside sysroot)."""
    p = os.fspath(binary)
    if not p.startswith("/"):
        note_cwd()
    return posixpath.normpath(p if p.startswith("/") else posixpath.join(cwd, p))


def _new_resolver(
    sysroot: str, ld_library_path: str | None, cwd: str | None, hwcaps: HwCaps | None
) -> _Resolver:
    """Make a resolver with the defaults resolve_deps documents."""
    caps = hwcaps if hwcaps is not None else get_host_hwcaps()
    return _Resolver(os.fspath(sysroot), ld_library_path, cwd or os.getcwd(), caps)


def resolve_deps(
    binary: str | os.PathLike[str],
    sysroot: str | os.PathLike[str] = "/",
    ld_library_path: str | None = None,
    *,
    cwd: str | None = None,
    hwcaps: HwCaps | None = None,
) -> DepClosure:
    """Resolve the shared-library closure of binary as ld.so would.

    binary is a path inside sysroot (with sysroot "/", a host path); a
    relative one, like a relative search folder, is taken from cwd (default:
    the current folder). ld_library_path is the LD_LIBRARY_PATH the program
    will run with (default: none). hwcaps defaults to the host CPU's.

    Returns the DepClosure; libraries that cannot be found are listed in its
    missing list (see DepClosure.require_complete). Raises ElfFormatError
    when binary itself (or a library found) is not a readable ELF file.
    """
    res = _new_resolver(os.fspath(sysroot), ld_library_path, cwd, hwcaps)
    program = _guest_program(binary, res.sysroot, res.cwd)
    real, links, interp = res.load_program(program)
    assert res.main is not None
    if interp is not None or res.main.info.needed:
        res.load_deps([res.main])
    libs = [o.lib for o in res.loaded if o.lib is not None and o.lib is not interp]
    return DepClosure(
        program=program,
        program_real=real,
        program_links=links,
        sysroot=res.sysroot,
        interpreter=interp,
        libraries=libs,
        missing=list(res.missing),
        ld_library_path=ld_library_path,
        cwd=res.cwd,
        hwcaps=res.caps,
        aliases={n: o.path for o in res.loaded if o.lib is not None for n in sorted(o.names)},
    )


# ---------------------------------------------------------------------------
# Files loaded at run time without DT_NEEDED

GCONV_DIR = "/usr/lib/x86_64-linux-gnu/gconv"
GCONV_MODULES = ("UTF-16.so", "UTF-32.so", "UTF-7.so", "ISO8859-1.so")
NSS_MODULES = ("libnss_files.so.2", "libnss_dns.so.2")
TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo")
TERMINFO_NAMES = ("xterm", "xterm-256color", "linux", "vt100", "dumb")
ZONEINFO_DIR = "/usr/share/zoneinfo"
ZONEINFO_FILES = ("UTC", "Etc/UTC")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
OPENSSL_DIR = "/usr/lib/ssl"  # Debian's OPENSSLDIR: openssl.cnf, certs -> /etc/ssl/certs
PYTHON_SKIP_DIRS = ("test", "idlelib", "tkinter", "turtledemo")
_PY_VERSION = re.compile(r"python(\d+\.\d+)$")
_PY_VERSION_BYTES = re.compile(rb"python(\d\.\d{1,2})\b")


class _Emitter:
    """Collect RuntimeFiles once each, with the symlinks on their way."""

    def __init__(self, closure: DepClosure) -> None:
        self.closure = closure
        self.seen: set[str] = set()
        self.out: list[RuntimeFile] = []
        for lib in closure.iter_objects():
            self.seen.add(lib.path)
            self.seen.update(s.path for s in lib.links)
            self.seen.add(lib.real_path)

    def exists(self, guest: str) -> bool:
        """Return True when guest exists in the sysroot (following links)."""
        host = self.closure.host_path(guest)
        if os.path.exists(host):
            return True  # file() resolves it, which notes each name on the way
        note_read(host)  # it, or a dangling link's target, may appear
        return False

    def file(self, guest: str, reason: str) -> None:
        """Emit guest, its symlinks and their final target (unless a folder), if it exists."""
        if not self.exists(guest):
            return
        real, links = resolve_symlinks(self.closure.sysroot, guest)
        for link in links:
            self.emit(link.path, reason)
        note_lookup(self.closure.host_path(real))  # a kind changes only with its entry
        if not os.path.isdir(self.closure.host_path(real)):
            self.emit(real, reason)

    def emit(self, guest: str, reason: str) -> None:
        """Emit one path (file or link) once."""
        if guest not in self.seen:
            self.seen.add(guest)
            self.out.append(RuntimeFile(self.closure.host_path(guest), guest, reason))

    def tree(
        self, guest_dir: str, reason: str, skip: Sequence[str] = (), pycache: bool = True
    ) -> None:
        """Emit every file of a folder (no folders), top-level skip names left out."""
        host_dir = self.closure.host_path(guest_dir)
        note_listing(host_dir)
        for root, dirs, files in os.walk(host_dir):
            note_listing(root)
            rel = os.path.relpath(root, host_dir)
            if rel == ".":
                dirs[:] = [d for d in dirs if d not in skip]
            if not pycache:
                dirs[:] = [d for d in dirs if d != "__pycache__"]
            dirs.sort()
            gdir = guest_dir if rel == "." else posixpath.join(guest_dir, rel)
            for name in sorted(files) + sorted(
                d for d in dirs if os.path.islink(os.path.join(root, d))
            ):
                self.file(posixpath.join(gdir, name), reason)

    def library(self, lib: Library, reason: str) -> None:
        """Emit a library found at run time: the links on its path and its real file."""
        for link in lib.links:
            self.emit(link.path, reason)
        self.emit(lib.real_path, reason)


def get_python_version(closure: DepClosure) -> str | None:
    """Return "3.11" when the program is (or embeds) that Python, else None.

    A program is Python when its real name is pythonX.Y, when it loads
    libpythonX.Y, or when it exports Py_Main (then X.Y is read from its
    bytes and must have a stdlib folder).
    """
    m = _PY_VERSION.search(posixpath.basename(closure.program_real))
    if m:
        return m.group(1)
    for lib in closure.libraries:
        m = _PYLIB_SONAME.match(lib.soname or posixpath.basename(lib.path))
        if m:
            return m.group(1)
    host = closure.host_path(closure.program_real)
    if not _has_dynamic_symbol(host, "Py_Main"):
        return None
    note_read(host)
    with open(host, "rb") as f:
        versions = {m.group(1).decode() for m in _PY_VERSION_BYTES.finditer(f.read())}
    for v in sorted(versions, reverse=True):
        note_read(closure.host_path(f"/usr/lib/python{v}"))
        if os.path.isdir(closure.host_path(f"/usr/lib/python{v}")):
            return v
    return None


def _has_dynamic_symbol(host: str, name: str) -> bool:
    """Return True when host defines name in .dynsym."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    note_read(host)
    try:
        with open(host, "rb") as f:
            dynsym = ELFFile(f).get_section_by_name(".dynsym")
            if not isinstance(dynsym, SymbolTableSection):
                return False
            return any(s["st_shndx"] != "SHN_UNDEF" for s in dynsym.get_symbol_by_name(name) or ())
    except (ELFError, OSError, struct.error, ValueError):
        return False


def _python_stdlib(closure: DepClosure, version: str) -> str | None:
    """Return the guest folder of Python version's stdlib, next to the program first."""
    prefix = posixpath.dirname(posixpath.dirname(closure.program_real))
    for cand in (f"{prefix}/lib/python{version}", f"/usr/lib/python{version}"):
        note_read(closure.host_path(f"{cand}/os.py"))
        if os.path.isfile(closure.host_path(f"{cand}/os.py")):
            return cand
    return None


def iter_runtime_files(
    closure: DepClosure, *, all_zoneinfo: bool = False, python_pycache: bool = True
) -> Iterator[RuntimeFile]:
    """Yield the files the program loads at run time without DT_NEEDED, by rule.

    - libc.so.6 loaded: NSS modules for files and dns (nsswitch.conf is
      generated elsewhere), gconv's configuration and its UTF-* and
      ISO8859-1 modules, and zoneinfo's UTC.
    - Python X.Y (see get_python_version): its stdlib without test/,
      idlelib/, tkinter/, turtledemo/ and the config-X.Y-* build folder
      (libpythonX.Y-dev's static library), __pycache__ unless
      python_pycache is False; every lib-dynload module with the libraries it
      loads (e.g. _ssl: libssl, libcrypto) that the closure lacks.
    - libtinfo or libncurses: terminfo for xterm, xterm-256color, linux,
      vt100, dumb.
    - libssl or libgnutls (in the closure or a module's): the CA bundle;
      for libssl also OpenSSL's folder (openssl.cnf, the hashed certs).
    - the whole zoneinfo tree when all_zoneinfo.

    Libraries are yielded with their symlinks; a module whose library is
    missing is still shipped (importing it fails as it does natively).
    Paths already in the closure are not repeated.
    """
    em = _Emitter(closure)
    res = _new_resolver(closure.sysroot, closure.ld_library_path, closure.cwd, closure.hwcaps)
    res.load_program(closure.program)
    assert res.main is not None
    res.load_deps([res.main])
    n_closure = len(res.loaded)
    libc = res.find_loaded(_GLIBC_SONAME)

    if libc is not None:
        for name in NSS_MODULES:
            res.dlopen_name(name, libc)
    version = get_python_version(closure)
    if version is not None:
        stdlib = _python_stdlib(closure, version)
        if stdlib is not None:
            note_listing(closure.host_path(stdlib))
            skip = list(PYTHON_SKIP_DIRS) + [
                d for d in os.listdir(closure.host_path(stdlib)) if d.startswith("config-")
            ]
            em.tree(stdlib, f"python{version} stdlib", skip, python_pycache)
            dynload = f"{stdlib}/lib-dynload"
            host_dynload = closure.host_path(dynload)
            note_listing(host_dynload)
            if os.path.isdir(host_dynload):
                for mod in sorted(os.listdir(host_dynload)):
                    if mod.endswith(".so"):
                        res.dlopen(f"{dynload}/{mod}", res.main)

    for obj in res.loaded[n_closure:]:
        if obj.lib is not None:
            if obj.lib.name in NSS_MODULES:
                em.library(obj.lib, "NSS module")
            else:
                by = posixpath.basename(obj.lib.needed_by)
                em.library(obj.lib, f"library of {by}")

    sonames = {o.info.soname or posixpath.basename(o.path) for o in res.loaded}
    if libc is not None:
        for f in ("gconv-modules", "gconv-modules.cache", *GCONV_MODULES):
            em.file(f"{GCONV_DIR}/{f}", "gconv")
        em.tree(f"{GCONV_DIR}/gconv-modules.d", "gconv")
    if any(_TINFO_SONAME.match(s) for s in sonames):
        for d in TERMINFO_DIRS:
            for t in TERMINFO_NAMES:
                em.file(f"{d}/{t[0]}/{t}", "terminfo")
    if all_zoneinfo:
        em.tree(ZONEINFO_DIR, "zoneinfo")
    elif libc is not None or version is not None:
        for z in ZONEINFO_FILES:
            em.file(f"{ZONEINFO_DIR}/{z}", "zoneinfo")
    if any(_SSL_SONAME.match(s) for s in sonames):
        em.file(CA_BUNDLE, "CA certificates")
        if any(s.startswith("libssl.") for s in sonames):
            em.file(f"{OPENSSL_DIR}/openssl.cnf", "OpenSSL configuration")
            em.file(f"{OPENSSL_DIR}/certs", "CA certificates")
            em.tree(posixpath.dirname(CA_BUNDLE), "CA certificates")
    yield from em.out
