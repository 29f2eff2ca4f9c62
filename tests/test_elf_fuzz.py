"""Malformed ELF files under `pkgload run`: a clear refusal or the program's own failure.

Mutants of real binaries (build/examples/hello, static; the dynamic PIE
hello of tests/programs) come from tests/elf_mutate.py, seeded. For each,
`pkgload run` must end either with status 2 and one line on stderr (the
host refuses the file) or as a program run (any other status: the guest's
loader or the program failed, or it ran). Never a Python traceback, a hang,
a kernel panic or "VM ended without an exit record".

PKGLOAD_ELF_FUZZ_MUTANTS sets the mutants per binary (default 100) and
PKGLOAD_ELF_FUZZ_FIRST the first seed (default 0), for longer runs by hand.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cprograms import REPO, get_binary_path
from elf_mutate import make_mutant

MUTANTS = int(os.environ.get("PKGLOAD_ELF_FUZZ_MUTANTS", "100"))
FIRST_SEED = int(os.environ.get("PKGLOAD_ELF_FUZZ_FIRST", "0"))
RUN_TIMEOUT = 60  # seconds; a mutant runs in under 1 s
PARALLEL = 2
BAD_SIGNS = ("Traceback", "VM ended without an exit record", "the kernel crashed", "panic")


def _source(name: str) -> Path:
    if name == "static":
        return REPO / "build" / "examples" / "hello"
    return get_binary_path("hello", "glibc-dynamic")


def _judge(status: int, stderr: str, log: str) -> str | None:
    """Return what is wrong with one run, or None when it ended acceptably."""
    for sign in BAD_SIGNS:
        if sign in stderr or (sign == "panic" and "pkgload-exit panic" in log):
            return f"{sign!r} (status {status})"
    if status == 125:
        return "status 125 (kernel crash)"
    lines = [line for line in stderr.splitlines() if line.strip()]
    if status == 2 and len(lines) != 1 and "error while loading" not in stderr:
        return f"status 2 with {len(lines)} lines on stderr"
    return None


def _outcome(status: int, stderr: str) -> str:
    if status == 2 and stderr.startswith("Error:"):
        return "refused by the host"
    return "ran" if status == 0 else f"program status {status}"


def _run_one(pkgload: Path, work: Path, original: bytes, seed: int,
             env: dict[str, str]) -> tuple[int, str, str | None]:
    mutant = make_mutant(original, seed)
    path = work / f"m{seed}"
    path.write_bytes(mutant.data)
    path.chmod(0o755)
    log = work / f"m{seed}.log"
    try:
        proc = subprocess.run([str(pkgload), "run", "--log", str(log), str(path)], cwd="/",
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=RUN_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return seed, "hang", f"hang after {RUN_TIMEOUT} s: {mutant.description}"
    stderr = proc.stderr.decode(errors="replace")
    text = log.read_text(errors="replace") if log.exists() else ""
    problem = _judge(proc.returncode, stderr, text)
    if problem is None:
        path.unlink()
        log.unlink(missing_ok=True)
        return seed, _outcome(proc.returncode, stderr), None
    return seed, "bad", f"{problem}: {mutant.description}\n{stderr[-1500:]}"


@pytest.mark.parametrize("source", ("static", "dynamic"))
def test_malformed_elf(programs: Path, pkgload: Path, tmp_path: Path, source: str) -> None:
    original = _source(source).read_bytes()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    seeds = range(FIRST_SEED, FIRST_SEED + MUTANTS)
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda s: _run_one(pkgload, tmp_path, original, s, env), seeds))
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    counts = collections.Counter(outcome for _, outcome, _ in results)
    print(f"\n{source}: {len(results)} mutants: {dict(counts)}")
    problems = [f"seed {seed}: {p}" for seed, _, p in results if p]
    assert not problems, f"{len(problems)} bad runs (mutants kept in {tmp_path}):\n" + \
        "\n".join(problems[:10])
    assert counts["refused by the host"] and len(counts) > 1, counts  # both kinds of ending seen


def test_unloadable_program_is_a_program_failure(pkgload: Path, tmp_path: Path) -> None:
    """A first PT_LOAD whose address and offset disagree (page offset 1 against 0).

    The kernel cannot map it: the run ends as a shell's failed execve does
    (status 126, one line), where it used to panic in kmain.
    """
    data = bytearray((REPO / "build" / "examples" / "hello").read_bytes())
    phoff = int.from_bytes(data[32:40], "little")
    load = next(phoff + i * 56 for i in range(int.from_bytes(data[56:58], "little"))
                if int.from_bytes(data[phoff + i * 56:phoff + i * 56 + 4], "little") == 1)
    vaddr = int.from_bytes(data[load + 16:load + 24], "little")
    data[load + 16:load + 24] = (vaddr + 1).to_bytes(8, "little")
    program = tmp_path / "misaligned"
    program.write_bytes(bytes(data))
    program.chmod(0o755)
    log = tmp_path / "kernel.log"
    proc = subprocess.run([str(pkgload), "run", "--log", str(log), str(program)], cwd="/",
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode == 126, (proc.returncode, proc.stderr)
    assert proc.stderr == b"pkgload: cannot execute the program: Exec format error\n"
    assert "pkgload-exit exec-error=8" in log.read_text()
