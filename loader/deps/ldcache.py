"""/etc/ld.so.cache as glibc 2.36's ld.so reads it (`elf/dl-cache.c`).

Both formats: the new "glibc-ld.so.cache1.1" (with its glibc-hwcaps
extension) and the old "ld.so-1.7.0", alone or followed by a new one. A
lookup takes what ld.so takes for the CPU's hwcaps: a glibc-hwcaps entry the
CPU supports, best first, else the first plain x86-64 libc6 entry whose
legacy hwcap bits suit the CPU.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from loader.deps.closure import host_path
from loader.hostfs import HostFs
from loader.hwcaps import HwCaps

LD_SO_CACHE = "/etc/ld.so.cache"
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


def read_ld_so_cache(sysroot: str = "/", fs: HostFs | None = None) -> LdSoCache:
    """Read sysroot's /etc/ld.so.cache, once per HostFs; a missing file reads as an empty cache."""
    fs = fs or HostFs()
    path = host_path(sysroot, LD_SO_CACHE)
    return fs.parsed("ld.so.cache", path, lambda: _read_cache(path, fs))


def _read_cache(path: str, fs: HostFs) -> LdSoCache:
    """Parse the ld.so.cache at path; a missing file reads as an empty cache."""
    try:
        return LdSoCache.from_bytes(fs.read(path))
    except OSError:
        return LdSoCache([])
