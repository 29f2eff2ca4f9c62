"""Too little memory behaves as on Linux: refused up front, ENOMEM, or an OOM kill.

tests/memory/oom.c runs out of memory on purpose under a small -m (never
natively: it would take the host's memory). Each way must end as Linux
would let it: an allocation that fails with ENOMEM, or the process killed
by SIGKILL with `pkgload: out of memory (-m NM); try a larger -m` and status
137; never a kernel panic, a hang, or another signal. A -m below what the
image needs is refused before QEMU starts, naming the minimum, and that
minimum boots.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "tests" / "memory" / "oom.c"
MEMORY = "16M"
OOM_LINE = f"pkgload: out of memory (-m {MEMORY}); try a larger -m"
TIMEOUT = 180
COMPILERS = {"glibc": ["gcc", "-static"], "musl": ["musl-gcc", "-static"]}
MINIMUM = re.compile(r"the minimum is (\d+)M$")


@pytest.fixture(scope="module", params=sorted(COMPILERS))
def oom_program(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/memory/oom.c, built static with glibc and with musl."""
    out = tmp_path_factory.mktemp("oom") / f"oom-{request.param}"
    proc = subprocess.run([*COMPILERS[request.param], "-O1", "-Wall", "-o", str(out), str(SOURCE)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"building {SOURCE} failed:\n{proc.stderr}", pytrace=False)
    return out


def run(pkgload: Path, tmp_path: Path, *args: str) -> tuple[int, str, str, str]:
    """Run `pkgload run ARGS` with its own log; return status, stdout, stderr, the kernel log."""
    log = tmp_path / "kernel.log"
    proc = subprocess.run([str(pkgload), "run", "--log", str(log), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, cwd="/", timeout=TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr, log.read_text(errors="replace") if log.exists() else ""


def assert_no_panic(log: str) -> None:
    assert "panic" not in log, f"kernel log:\n{log[-3000:]}"


def assert_oom_killed(status: int, stderr: str, log: str) -> None:
    """The run ended as an OOM kill: 137, pkgload's line, the kernel's oom-kill line."""
    assert status == 137, f"status {status}, stderr {stderr!r}\nlog tail:\n{log[-2000:]}"
    assert stderr.endswith(OOM_LINE + "\n"), stderr
    assert re.search(r"^oom-kill: out of memory: killed process \d+ \(oom-\w+\)", log, re.M), log[-2000:]


@pytest.mark.parametrize("mode, block", [("malloc", 1024), ("small", 4)])
def test_malloc_until_it_fails(pkgload: Path, oom_program: Path, tmp_path: Path, mode: str,
                               block: int) -> None:
    """malloc returns NULL with ENOMEM, or the process is OOM-killed: nothing else."""
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), mode)
    assert_no_panic(log)
    if status == 0:
        m = re.fullmatch(r"malloc failed \(ENOMEM\) after (\d+) KiB\n", out)
        assert m and err == "", (out, err)
        assert 4096 <= int(m.group(1)) <= 16384, out  # most of the memory, no more than there is
    else:
        assert_oom_killed(status, err, log)


def test_a_mapping_larger_than_memory_is_refused(pkgload: Path, oom_program: Path, tmp_path: Path) -> None:
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), "mmap")
    assert (status, out, err) == (0, "mmap 64 GiB: ENOMEM\n"
                                     "mmap 64 GiB PROT_NONE: mapped\n", ""), log[-2000:]


def test_a_break_larger_than_memory_is_refused(pkgload: Path, oom_program: Path, tmp_path: Path) -> None:
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), "brk")
    assert (status, out, err) == (0, "sbrk 64 GiB: ENOMEM, break unchanged\n", ""), log[-2000:]


def test_a_fallocate_larger_than_memory_takes_nothing(pkgload: Path, oom_program: Path, tmp_path: Path) -> None:
    """ENOSPC up front, as tmpfs: no page of the refused range stays with the file (the fuzzer's
    4 GiB fallocate once left memory full, and its next fault OOM-killed it)."""
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), "fallocate")
    assert (status, out, err) == (0, "fallocate 65536 MiB: ENOSPC\n"
                                     "fallocate 64 MiB: ENOSPC\n"
                                     "file size 0, blocks 0\n"
                                     "then malloc got most of memory\n", ""), log[-2000:]


def test_touching_overcommitted_memory_is_an_oom_kill(pkgload: Path, oom_program: Path, tmp_path: Path) -> None:
    """Many mappings, each small enough, touched together: the fault that finds no page kills."""
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), "touch")
    assert out == ""
    assert_oom_killed(status, err, log)


def test_a_copy_on_write_fault_without_memory_kills_the_child(pkgload: Path, oom_program: Path,
                                                              tmp_path: Path) -> None:
    """The child writing its parent's pages runs out: it alone is killed, the parent goes on."""
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), "fork")
    assert (status, out, err) == (0, "child killed by signal 9, parent's memory intact: 1\n", ""), log[-2000:]
    assert "oom-kill: out of memory: killed process" in log


def test_memory_full_when_an_oom_killed_child_is_freed(pkgload: Path, oom_program: Path,
                                                       tmp_path: Path) -> None:
    """Every page in use when the child dies: giving its pages back needs none (it once panicked).

    Whichever process faults first with no page left dies: the child (the
    parent reports it), or the parent itself (its first copy-on-write write
    after fork: the run is an OOM kill); or fork fails.
    """
    status, out, err, log = run(pkgload, tmp_path, "-m", MEMORY, str(oom_program), "fork-full")
    assert_no_panic(log)
    if status == 0:
        assert err == "", (status, err, log[-2000:])
        assert out in ("child killed by signal 9, parent's memory intact: 1\n", "fork failed: ENOMEM\n"), out
    else:
        assert_oom_killed(status, err, log)


@pytest.mark.parametrize("argv", [["/usr/bin/python3", "-c", "pass"], ["/bin/busybox", "true"]],
                         ids=["python3", "busybox"])
def test_too_little_memory_is_refused_naming_the_minimum(pkgload: Path, tmp_path: Path,
                                                         argv: list[str]) -> None:
    """Below the minimum: status 2 and one line, before QEMU; at the minimum the program boots."""
    status, out, err, log = run(pkgload, tmp_path, "-m", "4M", *argv)
    last = err.splitlines()[-1] if err else ""
    m = MINIMUM.search(last)
    assert status == 2 and m and last.startswith("Error: -m 4M: too little memory for the image of "), err
    least = int(m.group(1))
    if least > 5:
        status, _, err, _ = run(pkgload, tmp_path, "-m", f"{least - 1}M", *argv)
        assert status == 2 and err.endswith(f"the minimum is {least}M\n"), err
    status, out, err, log = run(pkgload, tmp_path, "-m", f"{least}M", *argv)
    assert_no_panic(log)
    if status != 0:  # booted, and the program itself found too little: an OOM kill, said so
        assert status == 137 and err.endswith(f"pkgload: out of memory (-m {least}M); try a larger -m\n"), err


def test_python3_runs_a_few_mib_above_its_minimum(pkgload: Path, tmp_path: Path) -> None:
    """python3 -c pass needs about 7 MiB besides its image (BENCHMARKS.md): it runs with 8 more."""
    status, _, err, _ = run(pkgload, tmp_path, "-m", "8M", "/usr/bin/python3", "-c", "pass")
    least = int(MINIMUM.search(err.splitlines()[-1]).group(1))  # type: ignore[union-attr]
    status, out, err, log = run(pkgload, tmp_path, "-m", f"{least + 8}M", "/usr/bin/python3", "-c",
                                "print(sum(range(10)))")
    assert (status, out, err) == (0, "45\n", ""), log[-2000:]


def test_a_file_tree_larger_than_memory_is_an_oom_kill(pkgload: Path, tmp_path: Path) -> None:
    """5,000 files at the image's minimum -m: the kernel's file tree does not fit.

    The tree is built when the program first names a file; running out of
    memory there kills the program as a page fault would (137, pkgload's
    line, the kernel's rootfs and oom-kill lines), never a kernel panic.
    """
    many = tmp_path / "many"
    many.mkdir()
    for i in range(5000):
        (many / f"f{i:05d}").touch()
    argv = ["--dir", str(many), "/bin/busybox", "ls", str(many)]
    status, _, err, _ = run(pkgload, tmp_path, "-m", "4M", *argv)
    least = int(MINIMUM.search(err.splitlines()[-1]).group(1))  # type: ignore[union-attr]
    status, out, err, log = run(pkgload, tmp_path, "-m", f"{least}M", *argv)
    assert_no_panic(log)
    assert status == 137 and err.endswith(f"pkgload: out of memory (-m {least}M); try a larger -m\n"), \
        f"status {status}, stderr {err!r}\nlog tail:\n{log[-2000:]}"
    assert "rootfs: out of memory building the file tree" in log, log[-2000:]
    status, out, err, log = run(pkgload, tmp_path, "-m", f"{least + 24}M", *argv)
    assert (status, len(out.split())) == (0, 5000), f"status {status}, stderr {err!r}"
