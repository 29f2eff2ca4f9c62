#!/usr/bin/env python3
"""Fill syscalls/table.tsv's file and args columns from the handlers' definitions.

Usage: tools/fill_syscall_table.py [TABLE.tsv]   (default: syscalls/table.tsv)

For every row with a handler, finds the one `^HANDLER(` definition in
syscalls/*.c and writes its file name and parameters into the row; rows
without a handler get "-". Rows of the older five columns (nr, name, status,
handler, notes) are widened, so after a merge that brings rows of either
shape, running this again settles the table; nothing else in a row changes.
Fails, naming the handler, when a definition is missing or found twice.
"""
from __future__ import annotations

import sys
from pathlib import Path

from gen_syscalls import COLUMNS, find_definitions

REPO = Path(__file__).resolve().parent.parent


def fill_row(fields: list[str], definitions: dict[str, list[tuple[str, str]]], where: str) -> list[str]:
    """Return a row's seven fields with file and args filled from its handler's definition."""
    if len(fields) == 5:
        fields = fields[:4] + ["", ""] + fields[4:]
    if len(fields) != len(COLUMNS):
        raise SystemExit(f"{where}: expected 5 or {len(COLUMNS)} tab-separated fields, got {len(fields)}")
    handler = fields[3]
    if handler == "-":
        return fields[:4] + ["-", "-"] + fields[6:]
    found = definitions.get(handler, [])
    if len(found) != 1:
        places = ", ".join(f for f, _ in found) or "no syscalls/*.c"
        raise SystemExit(f"{where}: {handler}: defined {len(found)} times ({places}); "
                         f"write it as `long` on one line and `{handler}(...)` at the start of the next")
    file, args = found[0]
    return fields[:4] + [file, args] + fields[6:]


def main() -> None:
    table = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "syscalls" / "table.tsv"
    definitions = find_definitions(REPO / "syscalls")
    out = []
    for lineno, line in enumerate(table.read_text().splitlines(), 1):
        if line.startswith("nr\t"):
            out.append("\t".join(COLUMNS))
        elif not line.strip() or line.startswith("#"):
            out.append(line)
        else:
            out.append("\t".join(fill_row(line.split("\t"), definitions, f"{table}:{lineno}")))
    table.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
