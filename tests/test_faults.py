"""A program's fault is reported in the kernel log, not only as a status.

The issue asks for a NULL dereference to die as on Linux (status 139,
`Segmentation fault`, covered by test_differential) *and* to leave the fault
address in the log, so that whoever reads last-run.log sees what happened.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cprograms import FLAVOUR_NAMES, get_binary_path

FAULT_ADDRESS_ZERO = re.compile(r"\baddress 0x0+\b")


@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
def test_null_dereference_logs_fault_address(programs: Path, pkgload: Path, flavour: str,
                                             tmp_path: Path) -> None:
    binary = get_binary_path("nullderef", flavour)
    log_path = tmp_path / "kernel.log"   # not last-run.log: other runs may write that meanwhile
    proc = subprocess.run([str(pkgload), "run", "--log", str(log_path), str(binary)],
                          stdin=subprocess.DEVNULL, capture_output=True, cwd="/", timeout=120)
    log = log_path.read_text(errors="replace")
    assert proc.returncode == 139, f"status {proc.returncode}, stderr {proc.stderr!r}\nlog:\n{log}"
    assert FAULT_ADDRESS_ZERO.search(log), f"no `address 0x0...` in the kernel log:\n{log}"
    assert "signal=11" in log, f"no exit record for SIGSEGV in the kernel log:\n{log}"
