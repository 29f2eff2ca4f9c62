"""Signals from outside the VM: SIGINT and SIGTERM sent to `pkgload run` reach the program.

pkgload passes them on through the console's control port
(loader/console.py, docs/boot-protocol.md); the program must see them as it
sees them natively when they are sent to it directly: its handler runs, a
wait ends with EINTR, si_code is SI_USER. A program that does not end
is stopped hard: at the second SIGINT (status 130), or 10 s after SIGTERM
(status 143).
"""

from __future__ import annotations

import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cprograms import get_binary_path

TIMEOUT = 60.0  # seconds for any one step; TCG is slow, none should come near it
TERM_GRACE_S = 10.0  # loader/console.py: SIGTERM, then the hard stop


def start(cmd: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd="/")


def read_until(proc: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """Read proc's stdout until marker has come (or it ends); return what was read."""
    assert proc.stdout is not None
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while marker not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = proc.stdout.read1(4096)  # type: ignore[attr-defined]
            if not chunk:
                break
            got += chunk
    return got


def int_then_term(cmd: list[str]) -> tuple[int, bytes, bytes]:
    """SIGINT once the program is ready, SIGTERM once it reported SIGINT; return status, stdout, stderr."""
    proc = start(cmd)
    try:
        out = read_until(proc, b"ready\n")
        proc.send_signal(signal.SIGINT)
        out += read_until(proc, b"SIGINT si_code")
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out + rest, err


@pytest.mark.parametrize("flavour", ["glibc-dynamic", "musl-static"])
def test_handled_signals_match_native(programs: Path, pkgload: Path, flavour: str) -> None:
    binary = str(get_binary_path("signal_wait", flavour))
    native = int_then_term([binary])
    assert native[0] == 3 and b"SIGTERM si_code 0" in native[1], native
    guest = int_then_term([str(pkgload), "run", binary])
    assert guest == native


def test_second_sigint_stops_the_vm_with_130(programs: Path, pkgload: Path) -> None:
    proc = start([str(pkgload), "run", str(get_binary_path("signal_wait", "musl-static")), "ignore"])
    try:
        assert read_until(proc, b"ready\n") == b"ready\n"
        proc.send_signal(signal.SIGINT)   # ignored by the program
        time.sleep(0.5)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        status = proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert status == 130


def test_sigterm_ignored_stops_the_vm_after_the_grace_with_143(programs: Path, pkgload: Path) -> None:
    proc = start([str(pkgload), "run", str(get_binary_path("signal_wait", "musl-static")), "ignore"])
    try:
        assert read_until(proc, b"ready\n") == b"ready\n"
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        status = proc.wait(timeout=TIMEOUT)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert status == 143
    assert waited >= TERM_GRACE_S - 0.5, f"stopped {waited:.1f} s after SIGTERM: no grace"
