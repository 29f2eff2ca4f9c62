"""syscalls/table.tsv: one hop from a row to its handler.

Each row with a handler names the syscalls/ file that defines it, where a
line starting `HANDLER(` (after `long` alone on the line above) is the
definition, and its args column is that definition's parameters: the build
generates every handler's prototype from the table (tools/gen_syscalls.py),
and tools/fill_syscall_table.py writes those columns from the code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "syscalls" / "table.tsv"


def rows() -> list[dict[str, str]]:
    """Return the table's rows as dicts keyed by its header."""
    lines = TABLE.read_text().splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:] if line.strip()]


def definition(file: Path, handler: str) -> str | None:
    """Return the parameters of handler's definition in file (grep '^HANDLER('), or None."""
    lines = file.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(handler + "(")]
    if len(starts) != 1 or not re.fullmatch(r"(__after_boot )?long", lines[starts[0] - 1]):
        return None
    text = "\n".join(lines[starts[0]:starts[0] + 5])
    return " ".join(text[len(handler) + 1:text.index(")")].split())


def test_header_has_the_file_and_args_columns() -> None:
    assert TABLE.read_text().splitlines()[0].split("\t") == [
        "nr", "name", "status", "handler", "file", "args", "notes"]


@pytest.mark.parametrize("row", [r for r in rows() if r["handler"] != "-"], ids=lambda r: r["name"])
def test_row_names_its_handlers_definition(row: dict[str, str]) -> None:
    file = REPO / "syscalls" / row["file"]
    assert file.is_file(), f"{row['name']}: {row['file']} is not in syscalls/"
    assert definition(file, row["handler"]) == row["args"]


def test_rows_without_handler_have_no_file() -> None:
    assert all((r["file"], r["args"]) == ("-", "-") for r in rows() if r["handler"] == "-")


def test_family_files_include_the_prototypes() -> None:
    files = {r["file"] for r in rows() if r["file"] != "-"}
    lacking = {f for f in files if '#include "syscalls.h"' not in (REPO / "syscalls" / f).read_text()}
    assert not lacking, f"handlers' files without syscalls.h: {sorted(lacking)}"


def test_fill_script_leaves_a_filled_table_alone(tmp_path: Path) -> None:
    copy = tmp_path / "table.tsv"
    shutil.copy(TABLE, copy)
    subprocess.run([sys.executable, str(REPO / "tools" / "fill_syscall_table.py"), str(copy)], check=True)
    assert copy.read_text() == TABLE.read_text()


def test_fill_script_widens_old_rows(tmp_path: Path) -> None:
    old = tmp_path / "table.tsv"
    narrow = ["\t".join(r[k] for k in ("nr", "name", "status", "handler", "notes")) for r in rows()]
    old.write_text("nr\tname\tstatus\thandler\tnotes\n" + "\n".join(narrow) + "\n")
    subprocess.run([sys.executable, str(REPO / "tools" / "fill_syscall_table.py"), str(old)], check=True)
    assert old.read_text() == TABLE.read_text()
