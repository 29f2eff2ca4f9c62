"""The program's output under backpressure: a reader that falls behind loses nothing.

The pipe to a slow reader fills; the guest must then wait, not drop bytes
(QEMU's UART drops a byte after a few failed non-blocking writes, which is
why the host gives QEMU blocking chardevs: docs/boot-protocol.md).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from cprograms import get_binary_path

STALL = 1.5  # seconds the reader waits before reading: the 64 KiB pipe fills long before


def read_slowly(cmd: list[str]) -> tuple[int, bytes]:
    """Run cmd with stdout to a pipe nobody reads for STALL seconds; return status and all of stdout."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd="/")
    time.sleep(STALL)
    out = proc.stdout.read()  # type: ignore[union-attr]
    return proc.wait(timeout=120), out


@pytest.mark.parametrize("flavour", ["musl-static"])
def test_slow_reader_gets_every_byte(programs: Path, pkgload: Path, flavour: str) -> None:
    binary = str(get_binary_path("big_stdout", flavour))
    native = subprocess.run([binary], stdin=subprocess.DEVNULL, capture_output=True, cwd="/").stdout
    status, out = read_slowly([str(pkgload), "run", binary])
    assert status == 0
    assert len(out) == len(native) and out == native, f"{len(out)} bytes of {len(native)}"
