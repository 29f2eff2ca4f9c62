"""What the kernel under test lacks, for tests that cannot pass without it.

A test names what it needs: syscalls by their name in syscalls/table.tsv, or
"vdso". A syscall is lacking while its row says `missing`; the vDSO while the
built kernel image carries no `__vdso_clock_gettime` (the vDSO's symbol
table is in the image it maps). Tests mark themselves xfail on what is
lacking, so the suite passes while the kernel grows, and each test counts for
real from the commit that implements what it needs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from cprograms import KERNEL
from loader.scan import load_syscall_table

VDSO = "vdso"
VDSO_SYMBOL = b"__vdso_clock_gettime"


@functools.cache
def _statuses() -> dict[str, str]:
    return {row.name: row.status for row in load_syscall_table().values()}


@functools.cache
def _kernel_has_vdso() -> bool:
    try:
        return VDSO_SYMBOL in KERNEL.read_bytes()
    except OSError:  # not built: the kernel fixture reports that
        return False


def is_known(need: str) -> bool:
    """Say whether need names a row of syscalls/table.tsv or is "vdso"."""
    return need == VDSO or need in _statuses()


def lacking(needs: Iterable[str]) -> list[str]:
    """Return the needs the kernel does not meet yet, in the order given."""
    lacking = []
    for need in needs:
        if need == VDSO:
            if not _kernel_has_vdso():
                lacking.append(VDSO)
        elif _statuses().get(need, "missing") == "missing":
            lacking.append(need)
    return lacking
