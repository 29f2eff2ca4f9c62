"""Compatibility stubs (stubs/*.toml, --stubs, --stub) and the exit summary.

The programs of tests/stub_programs/ are built here (glibc dynamic, glibc
static). A program that refuses to run as root fails under `pkgload run`
(root by default) exactly as it does natively as root, and with `--stubs
nonroot` prints what it prints natively as uid 999 (setpriv). A syscall the
kernel lacks fails with ENOSYS and, when the program then fails, the line
at exit names it (a program that succeeds keeps its stderr); `--stub`
replaces its result; the recorded summary counts calls exactly; bad rules
stop `pkgload run` with one line and status 2 before any VM starts.
`pkgload stubs` finds the rule that makes a program needing set_mempolicy (missing)
run as it does natively, and writes a set that `--stubs FILE` then applies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "tests" / "stub_programs"
FLAVOURS = {"dynamic": (), "static": ("-static",)}
TIMEOUT = 120
KCMP, GETPPID, SETUID = 312, 110, 105  # x86-64 numbers (unistd_64.h)
IO_URING_SETUP, IO_URING_ENTER = 425, 426
ENOSYS = 38  # callsys's status when a call was not implemented
MISSING_LINE = "pkgload: the program called kcmp (not implemented); pkgload stubs can suggest stubs\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build every tests/stub_programs/*.c in each flavour: DIR/FLAVOUR/NAME."""
    out = tmp_path_factory.mktemp("stub_programs")
    for flavour, flags in FLAVOURS.items():
        (out / flavour).mkdir()
        for src in SOURCES.glob("*.c"):
            subprocess.run(["gcc", *flags, "-O1", "-Wall", "-Wextra", "-Werror", "-o",
                            str(out / flavour / src.stem), str(src)], check=True)
    return out


def pkgload_run(pkgload: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `pkgload run --log TMP ARGS` and return its outcome (text)."""
    return subprocess.run([str(pkgload), "run", "--log", str(tmp_path / "kernel.log"), *args],
                          capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def native(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_root_refusal_fails_without_stubs(pkgload: Path, built: Path, tmp_path: Path, flavour: str) -> None:
    prog = str(built / flavour / "refuse_root")
    assert os.geteuid() == 0, "the native side of this test runs the program as root"
    want = native(prog)
    got = pkgload_run(pkgload, tmp_path, prog)
    assert want.returncode == 1 and want.stderr == "refuse_root: will not run as root\n"
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_nonroot_stubs_run_it_as_uid_999_would(pkgload: Path, built: Path, tmp_path: Path,
                                               flavour: str) -> None:
    prog = str(built / flavour / "refuse_root")
    want = native("setpriv", "--reuid=999", "--regid=999", "--clear-groups", prog)
    got = pkgload_run(pkgload, tmp_path, "--stubs", "nonroot", "--record", str(tmp_path / "runs"), prog)
    assert want.returncode == 0 and "uid 999 euid 999" in want.stdout
    assert (got.returncode, got.stdout, got.stderr) == (0, want.stdout, want.stderr)
    run = json.loads((tmp_path / "runs" / "refuse_root.json").read_text())
    assert run["stubbed"]["geteuid"] == 2 and run["stubbed"]["setuid"] == 2
    assert run["missing"] == {}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_missing_syscall_gets_enosys_and_is_named_at_exit(pkgload: Path, built: Path, tmp_path: Path,
                                                         flavour: str) -> None:
    prog = str(built / flavour / "callsys")
    got = pkgload_run(pkgload, tmp_path, "--record", str(tmp_path), prog, str(KCMP))
    assert (got.returncode, got.stdout, got.stderr) == (ENOSYS, f"{KCMP}: ENOSYS\n", MISSING_LINE)
    run = json.loads((tmp_path / "callsys.json").read_text())
    assert run["missing"] == {"kcmp": 1} and run["made"]["kcmp"] == 1
    assert "syscall kcmp (312) not implemented" in (tmp_path / "kernel.log").read_text()


def test_quiet_says_nothing_at_exit(pkgload: Path, built: Path, tmp_path: Path) -> None:
    got = pkgload_run(pkgload, tmp_path, "--quiet", str(built / "static" / "callsys"), str(KCMP))
    assert (got.returncode, got.stdout, got.stderr) == (ENOSYS, f"{KCMP}: ENOSYS\n", "")


def test_a_program_that_succeeds_keeps_its_stderr(pkgload: Path, built: Path, tmp_path: Path) -> None:
    # the program did without the call: its stderr is its own, as natively
    got = pkgload_run(pkgload, tmp_path, "--record", str(tmp_path), str(built / "static" / "callsys"),
                      "-0", str(KCMP))
    assert (got.returncode, got.stdout, got.stderr) == (0, f"{KCMP}: ENOSYS\n", "")
    assert json.loads((tmp_path / "callsys.json").read_text())["missing"] == {"kcmp": 1}


def test_deliberate_enosys_is_stubbed_not_missing(pkgload: Path, built: Path, tmp_path: Path) -> None:
    # io_uring's rows are `stub` (ENOSYS on purpose): no line at exit, no "not implemented" log line
    got = pkgload_run(pkgload, tmp_path, "--record", str(tmp_path), str(built / "static" / "callsys"),
                      str(IO_URING_SETUP), str(IO_URING_ENTER))
    assert (got.returncode, got.stderr) == (ENOSYS, "")
    assert got.stdout == f"{IO_URING_SETUP}: ENOSYS\n{IO_URING_ENTER}: ENOSYS\n"
    run = json.loads((tmp_path / "callsys.json").read_text())
    assert run["missing"] == {} and run["stubbed"] == {"io_uring_setup": 1, "io_uring_enter": 1}
    assert "not implemented" not in (tmp_path / "kernel.log").read_text()


def test_summary_counts_every_call(pkgload: Path, built: Path, tmp_path: Path) -> None:
    calls = [str(GETPPID)] * 7
    got = pkgload_run(pkgload, tmp_path, "--record", str(tmp_path), str(built / "static" / "callsys"), *calls)
    assert got.returncode == 0 and got.stdout.count(f"{GETPPID}: ") == 7
    run = json.loads((tmp_path / "callsys.json").read_text())
    assert run["made"]["getppid"] == 7
    assert run["made"]["write"] >= 1 and run["made"]["exit_group"] == 1


@pytest.mark.parametrize("value, shown", [("-EPERM", "EPERM"), ("EACCES", "EACCES"), ("7", "7"),
                                          ("-ENOSYS", "ENOSYS")])
def test_stub_option_replaces_the_result(pkgload: Path, built: Path, tmp_path: Path, value: str,
                                         shown: str) -> None:
    got = pkgload_run(pkgload, tmp_path, "--stub", f"kcmp={value}", "--record", str(tmp_path),
                      str(built / "static" / "callsys"), str(KCMP))
    status = ENOSYS if shown == "ENOSYS" else 0
    assert (got.returncode, got.stdout, got.stderr) == (status, f"{KCMP}: {shown}\n", "")
    run = json.loads((tmp_path / "callsys.json").read_text())
    assert run["stubbed"] == {"kcmp": 1} and run["missing"] == {}


def test_same_rule_allows_only_its_id(pkgload: Path, built: Path, tmp_path: Path) -> None:
    got = pkgload_run(pkgload, tmp_path, "--stub", "setuid=same:999", str(built / "static" / "callsys"),
                      f"{SETUID},999", f"{SETUID},0", f"{SETUID},1000")
    assert got.stdout == f"{SETUID},999: 0\n{SETUID},0: EPERM\n{SETUID},1000: EPERM\n"


def test_zero_rule_zeroes_the_output(pkgload: Path, tmp_path: Path) -> None:
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is not installed (tools/setup installs it)"
    assert native(busybox, "uname", "-s").stdout == "Linux\n"
    got = pkgload_run(pkgload, tmp_path, "--stub", "uname=zero", busybox, "uname", "-s")
    assert (got.returncode, got.stdout) == (0, "\n")


def test_a_stub_file_is_a_set(pkgload: Path, built: Path, tmp_path: Path) -> None:
    set_file = tmp_path / "mine.toml"
    set_file.write_text('[syscalls]\nkcmp = "-EOPNOTSUPP"\ngetppid = 42\n')
    got = pkgload_run(pkgload, tmp_path, "--stubs", str(set_file), str(built / "static" / "callsys"),
                      str(KCMP), str(GETPPID))
    assert got.stdout == f"{KCMP}: EOPNOTSUPP\n{GETPPID}: 42\n"


@pytest.mark.parametrize("args, message", [
    (["--stub", "frobnicate=0"], "stub frobnicate=0: frobnicate is not a syscall of x86-64 Linux"),
    (["--stub", "getuid=-EBOGUS"], "stub getuid=-EBOGUS: EBOGUS is not an errno name"),
    (["--stub", "getuid=lots"], "stub getuid=lots: expected a number, -ERRNO (an errno name such as "
                                "-EPERM), zero, or same:N"),
    (["--stub", "getuid"], "--stub getuid: expected NAME=VALUE, VALUE a number, -ERRNO (an errno name "
                           "such as -EPERM), zero, or same:N"),
    (["--stub", "getuid=zero"], "stub getuid=zero: pkgload does not know where getuid writes its "
                                "output; give a number such as 0"),
    (["--stubs", "nosuchset"], "--stubs nosuchset: no such stub set (sets in "
                               f"{REPO / 'stubs'}: nonroot, numa, root)"),
    (["--stub", "a=1", "--stub", "getpid=-EX"], "stub a=1: a is not a syscall of x86-64 Linux; "
                                                "stub getpid=-EX: EX is not an errno name"),
])
def test_bad_rules_give_one_line_and_status_2(pkgload: Path, tmp_path: Path, args: list[str],
                                              message: str) -> None:
    got = pkgload_run(pkgload, tmp_path, *args, "/bin/true")
    assert (got.returncode, got.stdout, got.stderr) == (2, "", f"Error: {message}\n")
    assert not (tmp_path / "kernel.log").exists(), "a VM ran despite the bad rule"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_pkgload_stubs_suggests_a_set_that_makes_it_run(pkgload: Path, built: Path, tmp_path: Path,
                                                       flavour: str) -> None:
    prog = str(built / flavour / "needs_mempolicy")
    want = native(prog)
    assert (want.returncode, want.stdout, want.stderr) == (0, "bound to node 0\n", "")
    before = pkgload_run(pkgload, tmp_path, prog)
    assert (before.returncode, before.stdout) == (1, "")
    assert before.stderr == ("needs_mempolicy: set_mempolicy: Function not implemented\npkgload: the program "
                             "called set_mempolicy (not implemented); --stubs numa would stand in for it\n")
    assert pkgload_run(pkgload, tmp_path, "--stubs", "numa", prog).stdout == want.stdout
    set_file = tmp_path / "suggested.toml"
    got = subprocess.run([str(pkgload), "stubs", "-o", str(set_file), prog], capture_output=True,
                         text=True, timeout=4 * TIMEOUT)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines() == ["--stub set_mempolicy=0: matches the native run",
                                       f"wrote {set_file}: pkgload run --stubs {set_file} {prog}"]
    assert "[syscalls]\nset_mempolicy = 0\n" in set_file.read_text()
    after = pkgload_run(pkgload, tmp_path, "--stubs", str(set_file), prog)
    assert (after.returncode, after.stdout, after.stderr) == (0, want.stdout, want.stderr)


def test_pkgload_stubs_says_when_none_are_needed(pkgload: Path, built: Path) -> None:
    prog = str(built / "static" / "refuse_root")  # fails as root natively and under pkgload alike
    got = subprocess.run([str(pkgload), "stubs", prog], capture_output=True, text=True, timeout=TIMEOUT)
    assert (got.returncode, got.stdout) == (0, f"{prog}: runs under pkgload as it does natively; "
                                               "no stubs needed\n")
