"""The boot manifest's layout, read from its one definition, kernel/manifest.tsv.

The kernel's header is generated from the same file (tools/gen_manifest.py),
so the host's Struct and the kernel's struct cannot disagree. Standard
library only: the kernel's build runs this with the system's python3.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

SPEC = Path(__file__).resolve().parent.parent / "kernel" / "manifest.tsv"
# Each type's size and struct code; u8[N] is N bytes ("Ns"), strings are addresses.
_SCALARS = {"u16": (2, "H"), "u32": (4, "I"), "u64": (8, "Q"), "str": (8, "Q"), "strv": (8, "Q")}
_BYTES = re.compile(r"u8\[(\w+)\]$")


class SpecError(ValueError):
    """kernel/manifest.tsv does not describe a layout: the line and what is wrong."""


@dataclass(frozen=True)
class Field:
    """One field of the manifest's header."""

    name: str
    type: str  # u16, u32, u64, u8[N], str, strv
    offset: int
    size: int
    code: str  # its struct format code
    meaning: str


@dataclass(frozen=True)
class Layout:
    """The manifest's constants and header fields."""

    consts: dict[str, int]
    fields: tuple[Field, ...]

    @property
    def header_size(self) -> int:
        """Return the header's size in bytes: the argv array starts there."""
        last = self.fields[-1]
        return last.offset + last.size

    def get_struct(self) -> struct.Struct:
        """Return the header as a little-endian struct.Struct, fields in order."""
        return struct.Struct("<" + "".join(f.code for f in self.fields))


def read_layout(path: Path = SPEC) -> Layout:
    """Read the spec; raise SpecError naming the line for a bad row or a misaligned field."""
    consts: dict[str, int] = {}
    fields: list[Field] = []
    offset = 0
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("kind\t"):
            continue
        row = line.split("\t")
        if len(row) != 4 or row[0] not in ("const", "field"):
            raise SpecError(f"{path}:{lineno}: expected const|field, name, value or type, meaning")
        kind, name, value, meaning = row
        if kind == "const":
            consts[name] = int(value, 0)
            continue
        size, code = _type_size(value, consts, f"{path}:{lineno}")
        align = 1 if code.endswith("s") else size  # bytes need none, numbers their size
        if offset % align:
            raise SpecError(f"{path}:{lineno}: {name} at offset {offset} is not aligned to {align}")
        fields.append(Field(name, value, offset, size, code, meaning))
        offset += size
    return Layout(consts, tuple(fields))


def _type_size(type_: str, consts: dict[str, int], where: str) -> tuple[int, str]:
    """Return the size and struct code of a field type."""
    if type_ in _SCALARS:
        return _SCALARS[type_]
    m = _BYTES.match(type_)
    if m is None:
        raise SpecError(f"{where}: unknown type {type_!r}")
    count = m.group(1)
    n = int(count) if count.isdigit() else consts.get(count)
    if n is None:
        raise SpecError(f"{where}: {count} is not a number or a const above")
    return n, f"{n}s"
