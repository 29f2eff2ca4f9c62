"""Missing syscalls that programs do without (syscalls/fallbacks.tsv): the ways
of reaching a syscall after which the caller falls back to something the
kernel has. `pkgload analyze`'s verdict does not count such a syscall.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from loader.syscall_table import REPO

FALLBACKS_TSV = REPO / "syscalls" / "fallbacks.tsv"
ANY = "*"


@dataclass(frozen=True)
class Fallback:
    """One row: a syscall, the ways (libc functions) it is tolerated from, what replaces it."""

    syscall: str
    via: frozenset[str]  # {"*"}: every way
    fallback: str
    note: str


@functools.cache
def read_fallbacks(path: Path = FALLBACKS_TSV) -> dict[str, Fallback]:
    """Return syscall name -> Fallback."""
    out = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("syscall\t"):
            continue
        name, via, fallback, note = line.split("\t")
        out[name] = Fallback(name, frozenset(via.split()), fallback, note)
    return out


def is_tolerated(name: str, via: Iterable[str], sites: int) -> bool:
    """Say whether every way a program reaches syscall NAME has a fallback.

    via are the ways (libc functions, or the program's imports that lead to
    them) checked; sites, the `syscall` instructions with its number in the
    program's own objects (whose callers are unknown: only a `*` row covers
    them). Nothing known (no ways, no sites) is covered by a `*` row only.
    """
    fb = read_fallbacks().get(name)
    if fb is None:
        return False
    if ANY in fb.via:
        return True
    ways = set(via) - {"startup"}
    return sites == 0 and bool(ways) and ways <= fb.via
