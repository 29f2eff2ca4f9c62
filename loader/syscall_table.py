"""The kernel's syscall coverage as data: syscalls/table.tsv with each row's
family (syscalls/families.tsv), the numbers of the build machine's headers,
and counts by status. Standard library only: `run` (the exit summary, stub
rules) and `coverage` both read it, and neither needs capstone or pyelftools.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TABLE_TSV = REPO / "syscalls" / "table.tsv"
FAMILIES_TSV = REPO / "syscalls" / "families.tsv"
UNISTD_64 = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
STATUSES = ("full", "partial", "fake", "stub", "missing")
_NR_DEFINE = re.compile(r"^#define __NR_(\w+)\s+(\d+)\s*$", re.M)


@dataclass(frozen=True)
class SyscallRow:
    """One syscall as the kernel implements it: table.tsv's row and its family."""

    nr: int
    name: str
    status: str  # one of STATUSES
    handler: str  # "-" when missing
    notes: str
    family: str  # "?" when families.tsv lacks the name


def _data_lines(path: Path, header: str) -> Iterable[list[str]]:
    """Yield the tab-separated fields of each row of path, past comments and its header line."""
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#") and not line.startswith(header + "\t"):
            yield line.split("\t")


@functools.cache
def read_families(path: Path = FAMILIES_TSV) -> dict[str, str]:
    """Return name -> family from families.tsv."""
    return {f[0]: f[1] for f in _data_lines(path, "name")}


@functools.cache
def read_table(path: Path = TABLE_TSV, families: Path = FAMILIES_TSV) -> tuple[SyscallRow, ...]:
    """Return table.tsv's rows by number, each with its family.

    A damaged table is a broken checkout, not a user error: ValueError and
    OSError propagate.
    """
    fams = read_families(families)
    rows = []
    for f in _data_lines(path, "nr"):
        nr, name, status, handler = int(f[0]), f[1], f[2], f[3]
        notes = f[6] if len(f) > 6 else f[-1] if len(f) == 5 else ""
        rows.append(SyscallRow(nr, name, status, handler, notes, fams.get(name, "?")))
    return tuple(sorted(rows, key=lambda r: r.nr))


def get_by_name() -> dict[str, SyscallRow]:
    """Return the table keyed by syscall name."""
    return {r.name: r for r in read_table()}


def get_by_nr() -> dict[int, SyscallRow]:
    """Return the table keyed by number."""
    return {r.nr: r for r in read_table()}


def read_header_numbers(path: Path = UNISTD_64) -> dict[int, str]:
    """Return nr -> name for every __NR_ define of the x86-64 unistd header."""
    return {int(nr): name for name, nr in _NR_DEFINE.findall(path.read_text())}


def count_by_status(rows: Iterable[SyscallRow]) -> dict[str, int]:
    """Return the number of rows of each status, every status present (0 when none)."""
    counts = Counter(r.status for r in rows)
    return {s: counts.get(s, 0) for s in STATUSES}


def filter_rows(rows: Iterable[SyscallRow], statuses: Iterable[str] = (),
                families: Iterable[str] = ()) -> list[SyscallRow]:
    """Return the rows whose status is one of statuses and family one of families (empty: any)."""
    st, fam = set(statuses), set(families)
    return [r for r in rows if (not st or r.status in st) and (not fam or r.family in fam)]
