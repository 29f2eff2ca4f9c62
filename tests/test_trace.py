"""`pkgload run --trace[=FILE]` and `pkgload trace`, against strace of the same programs natively.

Test programs of tests/programs/ are built static with a main of
tests/trace_programs/trace_main.c in front of theirs: it first calls
faccessat on "/pkgload-trace-start", so both traces are compared from the
program's own first call, past the C library's start-up and execve (made by
strace's side, by the kernel on ours). Each thread's (or process's) calls
must be the same names in the same order as under `strace -f -qq`; threads
and processes interleave differently, so a trace is compared as the set of
its per-thread sequences, and a threaded one without its futex calls (a
contended lock waits or not by timing), each without getrandom (glibc's
mkdtemp calls it or not at random). Decoded arguments of file calls
must equal strace's text, pointers aside (address randomisation).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from loader.trace import TraceRecord, TraceSplitter, format_record, parse_record

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = REPO / "tests" / "programs"
MARKER = "/pkgload-trace-start"
TIMEOUT = 180
# glibc's mkdtemp draws its name from the clock and, about one time in 20
# (a draw past the last fair multiple of 62**10), again with getrandom.
RANDOM = frozenset({"getrandom"})
# name: (program, args, calls left out of the comparison)
CASES = {
    "files": ("fs_rw", (), RANDOM),
    "fork-cow": ("proc_fork", ("cow",), RANDOM),
    "exec": ("proc_exec", ("fork_exec",), RANDOM),
    "threads": ("thread_clone", (), RANDOM | {"futex"}),
}
_STRACE = re.compile(r"^(\d+) +(?:<\.\.\. )?(\w+)(\(| resumed>)(.*)$")
_OURS = re.compile(r"^\[pid (\d+)(?:/(\d+))?\] \d+\.\d{6} (\w+)\((.*)$")
_POINTER = re.compile(r"0x[0-9a-f]{5,}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build each case's program static, its main behind trace_main.c's marker: DIR/NAME."""
    out = tmp_path_factory.mktemp("trace_programs")
    marker = out / "trace_main.o"
    subprocess.run(["gcc", "-O1", "-c", "-o", str(marker), str(REPO / "tests" / "trace_programs" /
                                                                 "trace_main.c")], check=True)
    for name in {c[0] for c in CASES.values()} | {"hello"}:
        obj = out / f"{name}.o"
        subprocess.run(["gcc", "-O1", "-Dmain=traced_main", "-c", "-o", str(obj),
                        str(PROGRAMS / f"{name}.c")], check=True)
        subprocess.run(["gcc", "-static", "-o", str(out / name), str(obj), str(marker), "-lpthread"],
                       check=True)
    return out


def strace_calls(prog: Path, args: tuple[str, ...], cwd: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Run prog natively under strace -f -qq; return its calls by tid (names) and its lines (text)."""
    out = cwd / "strace.txt"
    subprocess.run(["strace", "-f", "-qq", "-o", str(out), str(prog), *args], cwd=cwd,
                   capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    by_tid: dict[str, list[str]] = {}
    lines = []
    started = False
    for line in out.read_text().splitlines():
        m = _STRACE.match(line)
        started = started or (m is not None and MARKER in line)
        if not m or not started or m.group(3) != "(":  # "<... x resumed>" is the same call
            continue
        by_tid.setdefault(m.group(1), []).append(m.group(2))
        lines.append(re.sub(r"\)\s+= ", ") = ", f"{m.group(2)}({m.group(4)}"))
    return by_tid, lines


def our_calls(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """Return a --trace output's calls by tid (names) and its lines without the pid and time."""
    by_tid: dict[str, list[str]] = {}
    lines = []
    started = False
    for line in text.splitlines():
        m = _OURS.match(line)
        started = started or (m is not None and MARKER in line)
        if not m or not started:
            continue
        by_tid.setdefault(m.group(2) or m.group(1), []).append(m.group(3))
        lines.append(f"{m.group(3)}({m.group(4)}")
    return by_tid, lines


def run_traced(pkgload: Path, prog: Path, args: tuple[str, ...], cwd: Path,
               *options: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`pkgload run --trace=FILE [options] prog args` in cwd; its outcome and the trace."""
    trace = cwd / "trace.txt"
    proc = subprocess.run([str(pkgload), "run", f"--trace={trace}", *options, str(prog), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)
    return proc, trace.read_text()


def sequences(by_tid: dict[str, list[str]], dropped: frozenset[str]) -> Counter[tuple[str, ...]]:
    """Return the per-thread call sequences as a multiset (thread ids differ between the sides)."""
    return Counter(tuple(n for n in calls if n not in dropped) for calls in by_tid.values())


@pytest.mark.parametrize("case", CASES)
def test_same_calls_in_same_order_as_strace(pkgload: Path, built: Path, tmp_path: Path, case: str) -> None:
    name, args, dropped = CASES[case]
    (tmp_path / "native").mkdir()
    (tmp_path / "ours").mkdir()
    theirs, _ = strace_calls(built / name, args, tmp_path / "native")
    proc, trace = run_traced(pkgload, built / name, args, tmp_path / "ours")
    ours, _ = our_calls(trace)
    assert proc.returncode == 0, proc.stderr
    assert sum(len(c) for c in theirs.values()) > 3, "strace saw the marker and calls after it"
    assert len(ours) == len(theirs), f"threads and processes: {len(ours)} against strace's {len(theirs)}"
    assert sequences(ours, dropped) == sequences(theirs, dropped)


def test_decoded_arguments_match_strace(pkgload: Path, built: Path, tmp_path: Path) -> None:
    """openat, read, write, close, pread64, pwrite64 of fs_rw: strace's text, pointers aside."""
    (tmp_path / "native").mkdir()
    (tmp_path / "ours").mkdir()
    _, theirs = strace_calls(built / "fs_rw", (), tmp_path / "native")
    _, ours = our_calls(run_traced(pkgload, built / "fs_rw", (), tmp_path / "ours")[1])
    wanted = ("openat(", "read(", "write(", "close(", "pread64(", "pwrite64(")
    pick = [(_POINTER.sub("0xX", a), _POINTER.sub("0xX", b)) for a, b in zip(theirs, ours, strict=False)
            if a.startswith(wanted)]
    assert len(pick) > 40
    assert [b for _, b in pick] == [a for a, _ in pick]
    assert 'openat(AT_FDCWD, "f", O_RDWR|O_CREAT, 0644) = 3' in ours
    assert 'write(3, "hello world", 11) = 11' in ours


def test_mmap_arguments_match_strace(pkgload: Path, built: Path, tmp_path: Path) -> None:
    """thread_clone's stack mmap: prot and flags by name, as strace shows them."""
    (tmp_path / "native").mkdir()
    (tmp_path / "ours").mkdir()
    _, theirs = strace_calls(built / "thread_clone", (), tmp_path / "native")
    _, ours = our_calls(run_traced(pkgload, built / "thread_clone", (), tmp_path / "ours")[1])

    def mmaps(lines: list[str]) -> list[str]:
        return [line.partition(") = ")[0] for line in lines if line.startswith("mmap(")]
    assert mmaps(ours) == mmaps(theirs)
    assert "mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0" in mmaps(ours)


def test_trace_file_leaves_output_unchanged(pkgload: Path, built: Path, tmp_path: Path) -> None:
    """With --trace=FILE, stdout, stderr and the status are the program's own, as natively."""
    native = subprocess.run([str(built / "fs_rw")], cwd=tmp_path, capture_output=True, text=True,
                            timeout=TIMEOUT)
    proc, trace = run_traced(pkgload, built / "fs_rw", (), tmp_path)
    assert (proc.stdout, proc.stderr, proc.returncode) == (native.stdout, native.stderr, native.returncode)
    assert trace.count("\n") > 100


def test_bare_trace_goes_to_stderr(pkgload: Path, built: Path) -> None:
    """`run --trace PROGRAM`: PROGRAM is not taken for the file; the lines go to stderr."""
    proc = subprocess.run([str(pkgload), "run", "--trace", str(built / "hello")], capture_output=True,
                          text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert (proc.returncode, proc.stdout) == (0, "hello, world\n")
    assert re.search(r'^\[pid \d+\] \d+\.\d{6} write\(1, "hello, world\\n", 13\) = 13$', proc.stderr, re.M)
    assert re.search(r"^\[pid \d+\] \d+\.\d{6} exit_group\(0\) = \?$", proc.stderr, re.M)


def test_missing_and_stubbed_are_marked(pkgload: Path, tmp_path: Path) -> None:
    """kcmp (missing) says <missing> with ENOSYS; a --stub rule's answer says <stubbed>."""
    prog = tmp_path / "callsys"
    subprocess.run(["gcc", "-O1", "-o", str(prog), str(REPO / "tests" / "stub_programs" / "callsys.c")],
                   check=True)
    proc, trace = run_traced(pkgload, prog, ("-0", "312", "110"), tmp_path, "--stub", "getppid=7")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "312: ENOSYS\n110: 7\n"
    assert re.search(r"kcmp\(0, 0, 0, 0, 0, 0\) = -1 ENOSYS \(Function not implemented\) <missing>$",
                     trace, re.M)
    assert re.search(r"getppid\(\) = 7 <stubbed>$", trace, re.M)


def test_trace_command_records_the_run(pkgload: Path, built: Path, tmp_path: Path) -> None:
    """`pkgload trace -o FILE PROGRAM` writes the trace and puts the run in coverage's runs."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = tmp_path / "t.txt"
    proc = subprocess.run([str(pkgload), "trace", "-o", str(out), str(built / "hello")], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "hello, world\n", "")
    assert "write(1, \"hello, world\\n\", 13) = 13" in out.read_text()
    cov = subprocess.run([str(pkgload), "coverage", "--json"], env=env, capture_output=True, text=True,
                         timeout=TIMEOUT, check=True)
    runs = {r["program"]: r for r in json.loads(cov.stdout)["runs"]}
    assert str(built / "hello") in runs
    assert {"write", "exit_group", "faccessat2"} <= set(runs[str(built / "hello")]["made"])


def test_unwritable_trace_file_is_bad_input(pkgload: Path, built: Path, tmp_path: Path) -> None:
    proc = subprocess.run([str(pkgload), "run", f"--trace={tmp_path}/no/such/dir/t.txt",
                           str(built / "hello")], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "cannot write the trace" in proc.stderr


def test_record_decoding() -> None:
    """A record as the kernel logs it becomes strace's text (no VM)."""
    line = (b"trace: 2 3 101 fffffffffffffffe 1e240 0 ffffff9c 7ffd0000 80000 0 "
            b"1=2f6574632f706173737764")
    r = parse_record(line)
    assert r == TraceRecord(2, 3, 257, -2, 123456, 0, (0xFFFFFF9C, 0x7FFD0000, 0x80000, 0),
                            {1: (b"/etc/passwd", False)})
    assert format_record(r) == ('[pid 2/3] 0.123456 openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) '
                                '= -1 ENOENT (No such file or directory)')
    cut = parse_record(b"trace: 1 1 0 20 5 0 3 1000 100 1~" + b"41" * 32)
    assert format_record(cut).endswith(f'read(3, "{"A" * 32}"..., 256) = 32')
    assert parse_record(b"syscalls: made write=1") is None


def test_splitter_keeps_the_log_in_order() -> None:
    """Records cut between chunks are joined; other lines go on, in order, to the other receiver."""
    got: list[tuple[str, str]] = []
    s = TraceSplitter(lambda t: got.append(("trace", t)), lambda b: got.append(("log", b.decode())))
    s(b"boot: x\ntrace: 2 2 27 2 10 0\ncpu: y\ntrace: 2 2 2")
    s(b"7 2 20 0\npkgload-exit status=0")
    s.close()
    assert got == [("log", "boot: x\n"), ("trace", "[pid 2] 0.000016 getpid() = 2\n"),
                   ("log", "cpu: y\n"), ("trace", "[pid 2] 0.000032 getpid() = 2\n"),
                   ("log", "pkgload-exit status=0\n")]


def test_fuzzer_under_trace(pkgload: Path, tmp_path: Path) -> None:
    """Random syscalls with --trace (the kernel copying their strings and buffers): no panic, no
    bad result, and every record the kernel logged decoded into one well-formed line."""
    from test_fuzz import _build_fuzzer, _check_clean

    log, trace = tmp_path / "kernel.log", tmp_path / "trace.txt"
    proc = subprocess.run([str(pkgload), "run", "--log", str(log), f"--trace={trace}",
                           str(_build_fuzzer()), "-s", "20261205", "-n", "20000", "-j", "2"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd="/",
                          timeout=TIMEOUT)
    _check_clean(proc.returncode, proc.stderr, log, 20000)
    lines = trace.read_text().splitlines()
    assert len(lines) == log.read_bytes().count(b"\ntrace: ") > 20000
    shape = re.compile(r"\[pid \d+(/\d+)?\] \d+\.\d{6} \w+\(.*\) = .*")
    bad = [line for line in lines if not shape.fullmatch(line)]
    assert bad == []
