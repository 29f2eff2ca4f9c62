"""syscalls/table.tsv against the headers it must cover and the kernel built from it.

Every number of the build machine's x86-64 unistd header has a row of the
same name; every row has a family (syscalls/families.tsv); and the dispatch
table inside build/kernel/pkgload.elf says, number by number, the name,
handler and status the table does (a stale or hand-edited build fails).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from loader import syscall_table as st

REPO = Path(__file__).resolve().parents[2]
KERNEL = REPO / "build" / "kernel" / "pkgload.elf"
# struct syscall_entry: name, fn, enum status, trace spec (dispatch.h)
ENTRY = struct.Struct("<QQI4xQ")


def test_every_header_number_has_a_row_of_its_name() -> None:
    header = st.read_header_numbers()
    table = {r.nr: r.name for r in st.read_table()}
    assert len(header) > 350
    absent = {nr: name for nr, name in header.items() if nr not in table}
    assert not absent, f"numbers of {st.UNISTD_64} with no row in table.tsv: {absent}"
    renamed = {nr: (table[nr], name) for nr, name in header.items() if table[nr] != name}
    assert not renamed, f"rows named otherwise than the header (table, header): {renamed}"


def test_every_row_has_a_known_status_and_a_family() -> None:
    rows = st.read_table()
    assert {r.status for r in rows} <= set(st.STATUSES)
    assert [r.name for r in rows if r.family == "?"] == []
    assert set(st.read_families()) == {r.name for r in rows}, "families.tsv names a syscall the table lacks"


def _read_at(elf: ELFFile, addr: int, size: int) -> bytes:
    for sec in elf.iter_sections():
        start = sec["sh_addr"]
        if start and start <= addr < start + sec["sh_size"] and sec["sh_type"] != "SHT_NOBITS":
            return sec.data()[addr - start:addr - start + size]
    raise AssertionError(f"{addr:#x}: not in any section of {KERNEL}")


def _kernel_dispatch() -> dict[int, tuple[str, str | None, str]]:
    """Return nr -> (name, handler symbol or None, status) read from the kernel's syscall_table."""
    with open(KERNEL, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        funcs = {s["st_value"]: s.name for s in symtab.iter_symbols()
                 if s["st_info"]["type"] == "STT_FUNC"}
        table = next(s for s in symtab.iter_symbols() if s.name == "syscall_table")
        raw = _read_at(elf, table["st_value"], table["st_size"])
        out = {}
        for nr, (name_at, fn, status, _) in enumerate(ENTRY.iter_unpack(raw)):
            if not name_at:
                continue
            name = _read_at(elf, name_at, 64).split(b"\0")[0].decode()
            out[nr] = (name, funcs.get(fn, f"?{fn:#x}") if fn else None, st.STATUSES[status])
        return out


def test_kernel_dispatch_agrees_with_the_table(kernel: Path) -> None:
    dispatch = _kernel_dispatch()
    table = st.read_table()
    assert set(dispatch) == {r.nr for r in table}
    wrong = {}
    for r in table:
        want = (r.name, None if r.handler == "-" else r.handler, r.status)
        got = dispatch[r.nr]
        # LTO may suffix a handler's symbol (sys_x.lto_priv.0): the prefix is the handler.
        if got[1] and got[1].split(".")[0] == r.handler:
            got = (got[0], r.handler, got[2])
        if got != want:
            wrong[r.name] = {"table": want, "kernel": got}
    assert not wrong, f"kernel dispatch differs from table.tsv (rebuild with make?): {wrong}"
