"""A waiting program leaves the host's CPU idle.

The guest halts its virtual CPU while it waits (sched/wait.c: the local APIC
timer for a deadline, the virtio-console's interrupt for stdin) instead of
spinning, so QEMU sleeps too. Measured as the CPU time of the `pkgload run`
process and its QEMU (RUSAGE_CHILDREN, taken around each run): a spinning
guest burns about as much CPU as the wait lasts; a halted one only what
starting the VM costs (about 0.25 s here, 0.62 s seen once in a full
suite run beside other work). The bound is loose for a loaded 2-core CI
machine and still half of what one spinning vCPU burns in the wait.
"""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cprograms import get_binary_path

WAIT = 2.0  # seconds each case spends waiting in the guest
MAX_CPU = 1.0  # seconds of CPU allowed for a run that waits WAIT seconds (spinning costs >= WAIT per vCPU)
RUN_TIMEOUT = 120


@dataclass(frozen=True)
class Usage:
    """What one run produced, and what it cost."""

    status: int
    stdout: bytes
    stderr: bytes
    wall: float
    cpu: float


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(cmd: list[str], feed=None) -> Usage:
    """Run cmd (stdin fed by feed(pipe), else /dev/null); return its outcome, wall and CPU time."""
    cpu0, t0 = _children_cpu(), time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd="/",
    )
    if feed:
        feed(proc.stdin)
        proc.stdin = None  # closed by feed; communicate() must not flush it
    out, err = proc.communicate(timeout=RUN_TIMEOUT)
    return Usage(proc.returncode, out, err, time.monotonic() - t0, _children_cpu() - cpu0)


def assert_idle(usage: Usage) -> None:
    assert usage.wall >= WAIT, f"the run took {usage.wall:.2f} s: it did not wait"
    assert usage.cpu < MAX_CPU, (
        f"{usage.cpu:.2f} s of CPU for a {usage.wall:.2f} s run that waits {WAIT} s: "
        "the guest spins instead of halting"
    )


def test_busybox_sleep(pkgload: Path) -> None:
    # A first run builds and caches the image, so the measured one only boots.
    assert run_measured([str(pkgload), "run", "/bin/busybox", "true"]).status == 0
    usage = run_measured([str(pkgload), "run", "/bin/busybox", "sleep", str(int(WAIT))])
    assert (usage.status, usage.stdout, usage.stderr) == (0, b"", b"")
    assert_idle(usage)


def test_every_kind_of_wait(programs: Path, pkgload: Path) -> None:
    """nanosleep, clock_nanosleep, poll, ppoll, select, pselect6, futex: 20 units of 100 ms."""
    binary = str(get_binary_path("idle_waits", "glibc-static"))
    native = subprocess.run([binary, "0"], capture_output=True, timeout=RUN_TIMEOUT)
    assert run_measured([str(pkgload), "run", binary, "0"]).stdout == native.stdout
    usage = run_measured([str(pkgload), "run", binary, "100"])
    assert (usage.status, usage.stderr) == (0, b""), usage.stderr
    assert b": no" not in usage.stdout, usage.stdout.decode()
    assert usage.stdout == native.stdout
    assert_idle(usage)


@pytest.mark.parametrize("smp", [1, 2])
def test_threads_all_waiting(programs: Path, pkgload: Path, smp: int) -> None:
    """Six threads waiting at once (sleep, condvar, semaphore, futex, poll, sigtimedwait), main in join."""
    binary = str(get_binary_path("thread_idle_waits", "glibc-static"))
    wait_ms = str(int(WAIT * 1000))
    native = subprocess.run([binary, wait_ms], capture_output=True, timeout=RUN_TIMEOUT)
    assert run_measured([str(pkgload), "run", "--smp", str(smp), binary, "0"]).status == 0
    usage = run_measured([str(pkgload), "run", "--smp", str(smp), binary, wait_ms])
    assert (usage.status, usage.stderr) == (0, b""), usage.stderr
    assert b": no" not in usage.stdout, usage.stdout.decode()
    assert usage.stdout == native.stdout
    assert_idle(usage)


def test_stdin_that_pauses(pkgload: Path) -> None:
    """cat waiting for its next line, with nothing in the pipe for WAIT seconds."""

    def feed(pipe) -> None:
        pipe.write(b"first line\n")
        pipe.flush()
        time.sleep(WAIT)
        pipe.write(b"second line\n")
        pipe.close()

    assert run_measured([str(pkgload), "run", "/bin/busybox", "true"]).status == 0
    usage = run_measured([str(pkgload), "run", "/bin/busybox", "cat"], feed)
    assert (usage.status, usage.stdout, usage.stderr) == (0, b"first line\nsecond line\n", b"")
    assert_idle(usage)



def test_interrupts_in_ring3_leave_the_program_alone(programs: Path, pkgload: Path) -> None:
    """Input arriving while the program computes interrupts it in ring 3: same results as natively."""

    def feed(pipe) -> None:
        for _ in range(200):
            pipe.write(b"y" * 7)
            pipe.flush()
            time.sleep(0.003)
        pipe.close()

    binary = str(get_binary_path("compute_input", "musl-static"))
    native = run_measured([binary], feed)
    usage = run_measured([str(pkgload), "run", binary], feed)
    assert native.stdout.endswith(b"bytes read: 1400\n")
    assert (usage.status, usage.stdout, usage.stderr) == (0, native.stdout, b"")
