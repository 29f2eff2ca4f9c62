"""The vDSO and the clocks where a native run cannot be the reference.

test_differential compares tests/programs/vdso.c natively and in the guest.
What is left needs the guest only: setting the clock (natively, as root, it
would set this machine's), and the wall clock a real program reads being
the host's (python3's time.time() between the host's readings before and
after the run).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from cprograms import FLAVOUR_NAMES, get_binary_path
from test_differential import RUN_CWD, RUN_TIMEOUT

SETTIME_LINES = [
    "clock_settime(CLOCK_REALTIME, 2001-09-09) succeeds: yes",
    "every wall clock reads 2001-09-09: yes",
    "CLOCK_MONOTONIC went on: yes",
    "a zone west 15 h 1 min fails with EINVAL: yes",
    "the first zone set alone moves the clock: yes",
    "every wall clock reads an hour later: yes",
    "gettimeofday gives the zone: yes",
    "a second zone set alone: yes",
    "leaves the clock: yes",
    "and gettimeofday gives it: yes",
    "settimeofday(1234567890.5) succeeds: yes",
    "every wall clock reads 2009-02-13: yes",
    "setuid(1000): yes",
    "then clock_settime fails with EPERM: yes",
    "ok",
]

PY_CLOCKS = """
import time
print(time.time())
m = [time.monotonic_ns() for _ in range(1000)]
print(all(a <= b for a, b in zip(m, m[1:])), m[-1] > m[0])
for c in ("CLOCK_MONOTONIC_RAW", "CLOCK_BOOTTIME", "CLOCK_TAI", "CLOCK_REALTIME"):
    a = time.clock_gettime_ns(getattr(time, c))
    b = time.clock_gettime_ns(getattr(time, c))
    print(c, a <= b)
print(abs(time.clock_gettime(time.CLOCK_TAI) - time.time()) < 1)
"""


def run_guest(pkgload: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `pkgload run ARGS` as the differential tests do."""
    return subprocess.run([str(pkgload), "run", "--", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, cwd=RUN_CWD, timeout=RUN_TIMEOUT)


@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
def test_settime_is_seen_by_vdso_and_syscalls(programs: Path, pkgload: Path, flavour: str) -> None:
    """clock_settime and settimeofday move every wall clock, through the vDSO too."""
    proc = run_guest(pkgload, str(get_binary_path("vdso", flavour)), "settime")
    assert (proc.returncode, proc.stdout.splitlines(), proc.stderr) == (0, SETTIME_LINES, "")


def test_python_clocks_are_the_hosts(pkgload: Path) -> None:
    """python3's time.time() lies between the host's readings around the run."""
    before = time.time()
    proc = run_guest(pkgload, "/usr/bin/python3", "-c", PY_CLOCKS)
    after = time.time()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert before - 1 <= float(lines[0]) <= after + 1, (before, lines[0], after)
    assert lines[1:] == ["True True", "CLOCK_MONOTONIC_RAW True", "CLOCK_BOOTTIME True",
                         "CLOCK_TAI True", "CLOCK_REALTIME True", "True"]
