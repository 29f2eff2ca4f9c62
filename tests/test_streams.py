"""The program's streams under load: a reader that falls behind loses nothing,
and 100 MiB each way arrive complete and in order.

The pipe to a slow reader fills; the guest must then wait, not drop bytes
(docs/boot-protocol.md, "The console"). The big transfers are checked by
hash, not timed: their speed is BENCHMARKS.md's business.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
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


BIG_MIB = 100
BIG_TIMEOUT = 300  # seconds: about 2 s each here, but a loaded TCG machine is slow


def sha256_of_stdout(cmd: list[str], stdin_data: bytes | None = None) -> tuple[int, str, int]:
    """Run cmd, feeding stdin_data from a thread; return status, sha256 and length of its stdout."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, cwd="/")
    feeder = None
    if stdin_data is not None:
        assert proc.stdin is not None
        pipe = proc.stdin

        def feed() -> None:
            with pipe:
                pipe.write(stdin_data)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
    digest, length = hashlib.sha256(), 0
    assert proc.stdout is not None
    while chunk := proc.stdout.read(1 << 20):
        digest.update(chunk)
        length += len(chunk)
    if feeder:
        feeder.join(timeout=BIG_TIMEOUT)
    proc.stdin = None  # closed by the feeder
    return proc.wait(timeout=BIG_TIMEOUT), digest.hexdigest(), length


def test_100_mib_through_stdout(programs: Path, pkgload: Path) -> None:
    binary = str(get_binary_path("stream_out", "musl-static"))
    native = sha256_of_stdout([binary, str(BIG_MIB)])
    assert native[0] == 0 and native[2] == BIG_MIB << 20
    assert sha256_of_stdout([str(pkgload), "run", binary, str(BIG_MIB)]) == native


def test_100_mib_through_stdin_and_back(pkgload: Path) -> None:
    """cat copies 100 MiB of stdin, every byte value among them, to stdout: the same bytes come back."""
    data = os.urandom(BIG_MIB << 20)
    expected = (0, hashlib.sha256(data).hexdigest(), len(data))
    assert sha256_of_stdout([str(pkgload), "run", "/bin/busybox", "cat"], data) == expected


def test_reader_gone_gives_sigpipe(pkgload: Path) -> None:
    """`yes | head -2`: once head has gone, yes's next write fails with EPIPE and SIGPIPE ends it."""
    cmd = f"'{pkgload}' run /bin/busybox yes | head -2"
    proc = subprocess.run(["bash", "-c", cmd + "; echo status ${PIPESTATUS[0]}"], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=BIG_TIMEOUT, cwd="/")
    native = subprocess.run(["bash", "-c", "/bin/busybox yes | head -2; echo status ${PIPESTATUS[0]}"],
                            capture_output=True, timeout=BIG_TIMEOUT, cwd="/")
    assert native.stdout == b"y\ny\nstatus 141\n"
    assert (proc.stdout, proc.stderr) == (native.stdout, b"Broken pipe\n")   # pkgload names the signal
