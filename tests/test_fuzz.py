"""The syscall fuzzer under `pkgload run`: zero panics, zero hangs, Linux's errnos.

tests/fuzz/syscall_fuzz.c issues random calls from syscalls/table.tsv (its
table is generated from the signature column at build time) with random and
boundary arguments, and checks every result is a value or an errno Linux has.
A quick seeded run here: 100,000 calls in two worker processes, plus the
seeds that found kernel bugs, each under a timeout; the kernel log must end
with a clean exit record, not a panic. The calls those seeds found wrong are
also reduced to a differential program (tests/programs/fuzz_regress.c).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from cprograms import FLAVOUR_NAMES, REPO, get_binary_path

FUZZ_DIR = REPO / "tests" / "fuzz"
FUZZ_BUILD = REPO / "build" / "tests" / "fuzz"
FUZZ_BINARY = FUZZ_BUILD / "syscall_fuzz"
TABLE = REPO / "syscalls" / "table.tsv"
RUN_TIMEOUT = 90  # seconds; 100,000 calls take about 3 s under TCG
SUMMARY = re.compile(r"worker \d+: (\d+) calls, \d+ values, \d+ errors, (\d+) bad results")
# Seeds (one worker each) that found a kernel bug, kept as regression runs:
# 1 clone's exit signal 201 sent as SIGKILL; 5 shmat of a huge segment past
# the top of user space (a later fork panicked); 3 mremap with a huge new
# length unmapping the stack; 7 and 9 the fuzzer's own shmat confinement.
REGRESSION_SEEDS = (1, 3, 5, 7, 9)


def _build_fuzzer() -> Path:
    """Generate the table and compile the fuzzer (static PIE) when a source is newer."""
    sources = [FUZZ_DIR / "syscall_fuzz.c", FUZZ_DIR / "gen_table.py", TABLE]
    if FUZZ_BINARY.exists() and all(FUZZ_BINARY.stat().st_mtime >= s.stat().st_mtime
                                    for s in sources):
        return FUZZ_BINARY
    FUZZ_BUILD.mkdir(parents=True, exist_ok=True)
    subprocess.run(["python3", str(FUZZ_DIR / "gen_table.py"), str(TABLE),
                    str(FUZZ_BUILD / "fuzz_table.h")], check=True)
    tmp = FUZZ_BUILD / ".syscall_fuzz.tmp"
    proc = subprocess.run(["gcc", "-static-pie", "-fPIE", "-O1", "-Wall", "-Wextra", "-Werror",
                           "-fno-stack-protector", f"-I{FUZZ_BUILD}", "-o", str(tmp),
                           str(FUZZ_DIR / "syscall_fuzz.c")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    os.replace(tmp, FUZZ_BINARY)
    return FUZZ_BINARY


@pytest.fixture(scope="module")
def fuzzer() -> Path:
    return _build_fuzzer()


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for pkgload: its image cache in a temporary folder."""
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}


def _run_fuzzer(pkgload: Path, fuzzer: Path, env: dict[str, str], log: Path,
                *args: str) -> tuple[int, str]:
    """Run the fuzzer in a VM; return its status and its output (stderr)."""
    smp = list(args[:2]) if args[:1] == ("--smp",) else []
    args = args[len(smp):]
    try:
        proc = subprocess.run([str(pkgload), "run", *smp, "--log", str(log), str(fuzzer), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, cwd="/",
                              timeout=RUN_TIMEOUT, env=env)
    except subprocess.TimeoutExpired as e:
        out = (e.stderr or b"").decode(errors="replace")
        pytest.fail(f"hang: no end after {RUN_TIMEOUT} s\n{out[-3000:]}")
    return proc.returncode, proc.stderr.decode(errors="replace")


def _check_clean(status: int, out: str, log: Path, calls: int) -> None:
    """No panic, no bad result, no hang, and every call made."""
    text = log.read_text(errors="replace")
    assert "panic" not in text, f"kernel panic:\n{text[-4000:]}\n{out[-2000:]}"
    assert "pkgload-exit status=0" in text, f"no clean exit record:\n{text[-2000:]}"
    summaries = SUMMARY.findall(out)
    assert status == 0, f"status {status}:\n{out[-3000:]}"
    assert sum(int(n) for n, _ in summaries) == calls, out[-3000:]
    assert all(bad == "0" for _, bad in summaries), out[-3000:]


def test_fuzz_100k_calls(pkgload: Path, fuzzer: Path, cache_env: dict[str, str],
                         tmp_path: Path) -> None:
    log = tmp_path / "kernel.log"
    status, out = _run_fuzzer(pkgload, fuzzer, cache_env, log, "-s", "20261205", "-n", "100000",
                              "-j", "2")
    _check_clean(status, out, log, 100000)


def test_fuzz_two_cpus(pkgload: Path, fuzzer: Path, cache_env: dict[str, str],
                      tmp_path: Path) -> None:
    """Two workers on two vCPUs (seed 200 once panicked: an AP's NULL current)."""
    log = tmp_path / "kernel.log"
    status, out = _run_fuzzer(pkgload, fuzzer, cache_env, log, "--smp", "2", "-s", "200",
                              "-n", "20000", "-j", "2")
    _check_clean(status, out, log, 20000)


@pytest.mark.parametrize("seed", REGRESSION_SEEDS)
def test_fuzz_regression_seed(pkgload: Path, fuzzer: Path, cache_env: dict[str, str],
                              tmp_path: Path, seed: int) -> None:
    log = tmp_path / "kernel.log"
    status, out = _run_fuzzer(pkgload, fuzzer, cache_env, log, "-s", str(seed), "-n", "60000")
    _check_clean(status, out, log, 60000)


@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
def test_fuzz_regress_program(programs: Path, pkgload: Path, cache_env: dict[str, str],
                              flavour: str) -> None:
    """The reduced cases: same stdout and status as natively (Linux)."""
    binary = str(get_binary_path("fuzz_regress", flavour))
    native = subprocess.run([binary], capture_output=True, timeout=60, cwd="/")
    guest = subprocess.run([str(pkgload), "run", binary], capture_output=True, timeout=120,
                           cwd="/", env=cache_env, stdin=subprocess.DEVNULL)
    assert (guest.returncode, guest.stdout) == (native.returncode, native.stdout), guest.stderr
