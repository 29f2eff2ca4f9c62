"""Malformed ELF files for tests/test_elf_fuzz.py: seeded mutations of a real binary.

Each mutant changes one to three things: a field of the ELF header, a field
of one program header, an entry of the dynamic section, the PT_INTERP path,
the file's length, or a few bytes of the headers, to boundary values (0, -1,
the sign bit, the file's size, off by one) or random ones. A mutant carries
a one-line description so a failure can be reproduced by hand.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

# (name, offset, size) of the ELF64 header fields worth breaking.
EHDR_FIELDS = (
    ("EI_CLASS", 4, 1), ("EI_DATA", 5, 1), ("EI_VERSION", 6, 1), ("EI_OSABI", 7, 1),
    ("e_type", 16, 2), ("e_machine", 18, 2), ("e_version", 20, 4), ("e_entry", 24, 8),
    ("e_phoff", 32, 8), ("e_shoff", 40, 8), ("e_flags", 48, 4), ("e_ehsize", 52, 2),
    ("e_phentsize", 54, 2), ("e_phnum", 56, 2), ("e_shentsize", 58, 2), ("e_shnum", 60, 2),
    ("e_shstrndx", 62, 2),
)
PHDR_FIELDS = (
    ("p_type", 0, 4), ("p_flags", 4, 4), ("p_offset", 8, 8), ("p_vaddr", 16, 8),
    ("p_paddr", 24, 8), ("p_filesz", 32, 8), ("p_memsz", 40, 8), ("p_align", 48, 8),
)
PHDR_SIZE = 56
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR, PT_TLS = 1, 2, 3, 4, 6, 7
PT_TYPES = (0, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, 5, PT_PHDR, PT_TLS,
            0x6474E550, 0x6474E551, 0x6474E552, 0x6474E553, 0xFFFFFFFF)
DT_TAGS = (0, 1, 5, 6, 10, 11, 12, 13, 14, 15, 25, 26, 27, 28, 29, 30, 0x6FFFFEF5, 0x6FFFFFFB,
           0x6FFFFFF0, 0x6FFFFFFE, 0x6FFFFFFF, 0x7FFFFFFF, 0xFFFFFFFFFFFFFFFF)
FORMATS = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}


@dataclass(frozen=True)
class Mutant:
    """A mutated file and what was done to it."""

    data: bytes
    description: str


def _boundary(rng: random.Random, old: int, size: int, file_size: int) -> int:
    """A value for a SIZE-byte field that used to hold OLD."""
    top = (1 << (8 * size)) - 1
    choices = [0, 1, top, top >> 1, (top >> 1) + 1, old + 1, old - 1, old ^ (1 << rng.randrange(8 * size)),
               rng.randrange(top + 1), old * 2, old // 2]
    if size >= 4:
        choices += [file_size, file_size + 1, file_size - 1, 0x1000, 0xFFF, 0x10000]
    if size == 8:
        choices += [0xFFFF800000000000, 0x7FFFFFFFF000, 0x800000000000, 0xFFFFFFFFFFFFF000]
    return rng.choice(choices) & top


def _get(data: bytearray, off: int, size: int) -> int | None:
    if off < 0 or off + size > len(data):
        return None
    return struct.unpack_from(FORMATS[size], data, off)[0]


def _put(data: bytearray, off: int, size: int, value: int) -> None:
    if 0 <= off and off + size <= len(data):
        struct.pack_into(FORMATS[size], data, off, value & ((1 << (8 * size)) - 1))


def _phdrs(data: bytearray) -> list[int]:
    """Offsets of the program headers, as far as the (possibly broken) header says."""
    phoff, phnum = _get(data, 32, 8), _get(data, 56, 2)
    if phoff is None or phnum is None:
        return []
    return [phoff + i * PHDR_SIZE for i in range(min(phnum, 64))
            if phoff + (i + 1) * PHDR_SIZE <= len(data)]


def _segment(data: bytearray, p_type: int) -> tuple[int, int] | None:
    """(file offset, file size) of the first segment of P_TYPE."""
    for ph in _phdrs(data):
        if _get(data, ph, 4) == p_type:
            return _get(data, ph + 8, 8) or 0, _get(data, ph + 32, 8) or 0
    return None


def mutate_ehdr(data: bytearray, rng: random.Random) -> str:
    name, off, size = rng.choice(EHDR_FIELDS)
    new = _boundary(rng, _get(data, off, size) or 0, size, len(data))
    _put(data, off, size, new)
    return f"{name}={new:#x}"


def mutate_phdr(data: bytearray, rng: random.Random) -> str:
    phdrs = _phdrs(data)
    if not phdrs:
        return mutate_ehdr(data, rng)
    i = rng.randrange(len(phdrs))
    name, off, size = rng.choice(PHDR_FIELDS)
    old = _get(data, phdrs[i] + off, size) or 0
    new = rng.choice(PT_TYPES) if name == "p_type" and rng.random() < 0.5 else \
        _boundary(rng, old, size, len(data))
    _put(data, phdrs[i] + off, size, new)
    return f"phdr[{i}].{name}={new:#x}"


def mutate_dynamic(data: bytearray, rng: random.Random) -> str:
    seg = _segment(data, PT_DYNAMIC)
    if not seg or seg[1] < 16:
        return mutate_phdr(data, rng)
    off, size = seg
    entry = off + 16 * rng.randrange(size // 16)
    if rng.random() < 0.3:
        new = rng.choice(DT_TAGS)
        _put(data, entry, 8, new)
        return f"dynamic@{entry:#x}.d_tag={new:#x}"
    new = _boundary(rng, _get(data, entry + 8, 8) or 0, 8, len(data))
    _put(data, entry + 8, 8, new)
    return f"dynamic@{entry:#x}(tag {_get(data, entry, 8)}).d_val={new:#x}"


def mutate_interp(data: bytearray, rng: random.Random) -> str:
    seg = _segment(data, PT_INTERP)
    if not seg or seg[1] == 0 or seg[0] + seg[1] > len(data):
        return mutate_dynamic(data, rng)
    off, size = seg
    choice = rng.randrange(3)
    if choice == 0:
        data[off + size - 1] = ord("x")                  # no terminating NUL
        return "interp unterminated"
    if choice == 1:
        data[off + rng.randrange(size)] = rng.randrange(256)
        return "interp byte changed"
    data[off:off + size] = b"/nonexistent/ld.so"[:size - 1].ljust(size - 1, b"\0") + b"\0"
    return "interp /nonexistent"


def truncate(data: bytearray, rng: random.Random) -> str:
    limit = rng.choice((64, 64 + PHDR_SIZE * 4, 4096, len(data)))
    new_len = rng.randrange(min(limit, len(data)))
    del data[new_len:]
    return f"truncated to {new_len}"


def flip_bytes(data: bytearray, rng: random.Random) -> str:
    span = min(len(data), 64 + PHDR_SIZE * (_get(data, 56, 2) or 1))
    where = [rng.randrange(span) for _ in range(rng.randint(1, 4))]
    for w in where:
        data[w] = rng.randrange(256)
    return "bytes " + ",".join(f"{w:#x}" for w in where)


MUTATORS = ((mutate_ehdr, 3), (mutate_phdr, 5), (mutate_dynamic, 3), (mutate_interp, 1),
            (truncate, 1), (flip_bytes, 2))


def make_mutant(original: bytes, seed: int) -> Mutant:
    """Mutant number SEED of ORIGINAL (the same seed gives the same bytes)."""
    rng = random.Random(seed)
    data = bytearray(original)
    funcs = [f for f, _ in MUTATORS]
    weights = [w for _, w in MUTATORS]
    done = [rng.choices(funcs, weights)[0](data, rng) for _ in range(rng.choice((1, 1, 2, 3)))]
    return Mutant(bytes(data), "; ".join(done))
