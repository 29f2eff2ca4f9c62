"""`pkgload analyze`'s verdict against what `pkgload run` then does (tools/measure_verdicts.py).

A handful of the measured cases, each required to be right: Debian programs
that run (their missing socket calls are NSS's and fall back), Python
opening a socket (may fail, names socket, and fails naming it), and a test
program of ours that needs set_mempolicy, which this kernel lacks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import measure_verdicts as mv  # noqa: E402

CASES = {name: (argv, stdin) for name, argv, stdin in mv.CASES}


@pytest.mark.parametrize("name", ["sqlite3", "ls", "gzip", "dash", "python3 print", "python3 socket"])
def test_verdict_is_right(pkgload: Path, name: str) -> None:
    argv, stdin = CASES[name]
    row = mv.measure(name, argv, stdin)
    assert row.is_right(), (row.verdict, row.native, row.guest, row.missing_hit)


def test_a_program_needing_mempolicy_may_fail_and_does(pkgload: Path, tmp_path: Path) -> None:
    prog = tmp_path / "needs_mempolicy"
    subprocess.run(["gcc", "-O1", "-o", str(prog), str(REPO / "tests" / "stub_programs" / "needs_mempolicy.c")],
                   check=True)
    row = mv.measure("needs_mempolicy", [str(prog)], b"")
    assert row.verdict.startswith("may fail: set_mempolicy (via syscall)")
    assert row.verdict.endswith("; --stubs numa would stand in")
    assert (row.matched, row.missing_hit, row.is_right()) == (False, ["set_mempolicy"], True)
