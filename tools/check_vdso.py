#!/usr/bin/env python3
"""Check that the vDSO the kernel embeds is one every program can use.

Usage: check_vdso.py VDSO.SO. The kernel maps the file's pages into the
program as they are, and glibc, musl and Go each parse it with their own
minimal ELF reader that relocates nothing, so the build fails unless:

- it is an x86-64 ET_DYN linked at 0, with one PT_LOAD (offset 0, read+execute,
  no bss) holding PT_DYNAMIC: Go and musl take PT_DYNAMIC's p_offset as an
  address, and the kernel maps the file, not a memory image;
- nothing is writable or needs relocating: no writable segment or section
  (.dynamic aside, which lies in the read-only segment as on Linux), no
  relocation section, no DT_REL*/DT_JMPREL/DT_TEXTREL/DT_NEEDED;
- DT_HASH (musl reads only it), DT_GNU_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM
  and DT_VERDEF are there, and DT_HASH's chain covers every symbol;
- no symbol is undefined, and each of Linux's names is a defined function
  of version LINUX_2.6, the unprefixed ones at their __vdso_ twin's address.

Standard library only: the Makefile runs it with the system python3.
"""
from __future__ import annotations

import struct
import sys

VERSION = "LINUX_2.6"
FUNCTIONS = ("clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres")
REQUIRED_TAGS = {4: "DT_HASH", 0x6FFFFEF5: "DT_GNU_HASH", 6: "DT_SYMTAB", 5: "DT_STRTAB",
                 0x6FFFFFF0: "DT_VERSYM", 0x6FFFFFFC: "DT_VERDEF"}
FORBIDDEN_TAGS = {1: "DT_NEEDED", 7: "DT_RELA", 17: "DT_REL", 23: "DT_JMPREL", 22: "DT_TEXTREL",
                  0x6FFFFFF9: "DT_RELACOUNT", 0x6FFFFFFA: "DT_RELCOUNT", 36: "DT_RELR"}
PT_LOAD, PT_DYNAMIC, PF_W = 1, 2, 2
SHT_RELA, SHT_REL, SHT_DYNSYM, SHF_WRITE = 4, 9, 11, 1
STT_FUNC, STB_GLOBAL, STB_WEAK = 2, 1, 2


def elf_hash(name: str) -> int:
    """Return the SysV ELF hash of NAME (what vd_hash holds)."""
    h = 0
    for c in name.encode():
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


class Vdso:
    """The parts of the vDSO's ELF file the checks need."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        (self.ident, self.type, self.machine, _, _, self.phoff, self.shoff, _, _, self.phentsize,
         self.phnum, self.shentsize, self.shnum, self.shstrndx) = struct.unpack_from("<16sHHIQQQIHHHHHH", data)
        self.phdrs = [struct.unpack_from("<IIQQQQQQ", data, self.phoff + i * self.phentsize)
                      for i in range(self.phnum)]
        self.shdrs = [struct.unpack_from("<IIQQQQIIQQ", data, self.shoff + i * self.shentsize)
                      for i in range(self.shnum)]

    def cstr(self, off: int) -> str:
        """Return the NUL-terminated string at file offset OFF."""
        return self.data[off:self.data.index(b"\0", off)].decode()

    def dynamic(self) -> dict[int, int]:
        """Return the dynamic section's tags and values (linked at 0: addresses are offsets)."""
        ph = next(p for p in self.phdrs if p[0] == PT_DYNAMIC)
        tags = {}
        for off in range(ph[2], ph[2] + ph[5], 16):
            tag, val = struct.unpack_from("<qQ", self.data, off)
            if tag == 0:
                break
            tags[tag] = val
        return tags

    def versions(self, verdef: int, strtab: int) -> dict[int, tuple[str, int]]:
        """Return version index -> (name, hash) from the DT_VERDEF chain."""
        out, off = {}, verdef
        while True:
            _, _, ndx, _, vhash, aux, nxt = struct.unpack_from("<HHHHIII", self.data, off)
            name_off, _ = struct.unpack_from("<II", self.data, off + aux)
            out[ndx] = (self.cstr(strtab + name_off), vhash)
            if not nxt:
                return out
            off += nxt

    def symbols(self, tags: dict[int, int]) -> list[tuple[str, int, int, int, int]]:
        """Return each dynamic symbol's (name, value, info, shndx, version index)."""
        dynsym = next(s for s in self.shdrs if s[1] == SHT_DYNSYM)
        out = []
        for i in range(dynsym[5] // 24):
            name, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", self.data, dynsym[4] + i * 24)
            (ver,) = struct.unpack_from("<H", self.data, tags[0x6FFFFFF0] + i * 2)
            out.append((self.cstr(tags[5] + name), value, info, shndx, ver & 0x7FFF))
        return out


def check_layout(v: Vdso) -> list[str]:
    """Return what is wrong with the header, segments and sections."""
    errors = []
    if v.ident[:4] != b"\x7fELF" or v.ident[4] != 2 or v.ident[5] != 1 or v.type != 3 or v.machine != 62:
        errors.append("not a little-endian ELF64 x86-64 shared object")
    loads = [p for p in v.phdrs if p[0] == PT_LOAD]
    if len(loads) != 1:
        errors.append(f"{len(loads)} PT_LOAD segments, not one")
    elif loads[0][2] != 0 or loads[0][3] != 0 or loads[0][1] != 5 or loads[0][5] != loads[0][6]:
        errors.append("its PT_LOAD is not offset 0, address 0, read+execute, without bss")
    errors += [f"segment of type {p[0]:#x} is writable" for p in v.phdrs if p[1] & PF_W]
    dyn = [p for p in v.phdrs if p[0] == PT_DYNAMIC]
    if len(dyn) != 1 or (loads and dyn[0][2] + dyn[0][5] > loads[0][5]):
        errors.append("no PT_DYNAMIC inside the PT_LOAD")
    for s in v.shdrs:
        name = v.cstr(v.shdrs[v.shstrndx][4] + s[0])
        if s[1] in (SHT_RELA, SHT_REL):
            errors.append(f"relocation section {name}")
        if s[2] & SHF_WRITE and name != ".dynamic":
            errors.append(f"writable section {name}")
    return errors


def check_dynamic(v: Vdso, tags: dict[int, int]) -> list[str]:
    """Return what is wrong with the dynamic section."""
    errors = [f"no {n}" for t, n in REQUIRED_TAGS.items() if t not in tags]
    errors += [f"has {n}" for t, n in FORBIDDEN_TAGS.items() if t in tags]
    return errors


def check_symbols(v: Vdso, tags: dict[int, int]) -> list[str]:
    """Return what is wrong with the dynamic symbols and their versions."""
    syms = v.symbols(tags)
    versions = v.versions(tags[0x6FFFFFFC], tags[5])
    errors = [f"undefined symbol {s[0]}" for s in syms[1:] if s[3] == 0]
    _, nchain = struct.unpack_from("<II", v.data, tags[4])
    if nchain != len(syms):
        errors.append(f"DT_HASH's chain has {nchain} entries for {len(syms)} symbols")
    if not any(n == VERSION and h == elf_hash(VERSION) for n, h in versions.values()):
        errors.append(f"no version {VERSION} (with its hash) in DT_VERDEF")
    by_name = {s[0]: s for s in syms}
    for fn in FUNCTIONS:
        for name in (fn, "__vdso_" + fn):
            s = by_name.get(name)
            if not s or s[3] == 0 or s[2] & 0xF != STT_FUNC or s[2] >> 4 not in (STB_GLOBAL, STB_WEAK):
                errors.append(f"{name}: not a defined global or weak function")
            elif versions.get(s[4], ("",))[0] != VERSION:
                errors.append(f"{name}: not of version {VERSION}")
        if fn in by_name and "__vdso_" + fn in by_name and by_name[fn][1] != by_name["__vdso_" + fn][1]:
            errors.append(f"{fn} is not at __vdso_{fn}'s address")
    return errors


def main() -> int:
    path = sys.argv[1]
    with open(path, "rb") as f:
        v = Vdso(f.read())
    errors = check_layout(v)
    if not errors:
        tags = v.dynamic()
        errors = check_dynamic(v, tags) or check_symbols(v, tags)
    for e in errors:
        print(f"{path}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
