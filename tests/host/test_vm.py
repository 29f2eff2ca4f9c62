"""`pkgload run` against a stub kernel under real QEMU: streams, exit records, failures.

The stub (stub_kernel.py) plays the kernel's part of docs/boot-protocol.md
with fixed bytes, so these tests check the host side alone.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from stub_kernel import StubKernel
from test_manifest import decode as decode_manifest

Run = Callable[..., subprocess.CompletedProcess[bytes]]
OUT = b"to stdout\x00\xff\n"
ERR = b"to stderr\n"


@pytest.fixture(scope="session")
def build_stub(tmp_path_factory: pytest.TempPathFactory) -> Callable[[StubKernel], Path]:
    """Return a function that builds a stub kernel (once per distinct stub)."""
    built: dict[StubKernel, Path] = {}

    def build(stub: StubKernel) -> Path:
        if stub not in built:
            built[stub] = stub.build(tmp_path_factory.mktemp("stub"))
        return built[stub]

    return build


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def run_stub(build_stub: Callable[[StubKernel], Path], elf_dir: Path, cache_home: Path) -> Run:
    """Return a function: `pkgload run [options] <static hello> [args]` on a given stub."""

    def run(stub: StubKernel, *options: str, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "PKGLOAD_KERNEL": str(build_stub(stub)),
               "PKGLOAD_ACCEL": "tcg", "XDG_CACHE_HOME": str(cache_home)}
        cmd = [sys.executable, "-m", "loader", "run", *options, str(elf_dir / "static"), *args]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=120)

    return run


def test_status_and_separate_streams(run_stub: Run, cache_home: Path) -> None:
    log = b"boot: entry-to-user 1 us\npkgload-exit status=42\n"
    proc = run_stub(StubKernel(out=OUT, err=ERR, log=log))
    assert (proc.returncode, proc.stdout, proc.stderr) == (42, OUT, ERR)
    assert (cache_home / "pkgload" / "last-run.log").read_bytes() == log


def test_log_option_writes_the_log_there(run_stub: Run, cache_home: Path, tmp_path: Path) -> None:
    log = b"pkgload-exit status=3\n"
    proc = run_stub(StubKernel(log=log), "--log", str(tmp_path / "k.log"))
    assert (proc.returncode, proc.stderr) == (3, b"")
    assert (tmp_path / "k.log").read_bytes() == log
    assert not (cache_home / "pkgload" / "last-run.log").exists()


def test_unwritable_log_is_one_line_and_keeps_the_status(run_stub: Run, tmp_path: Path) -> None:
    proc = run_stub(StubKernel(log=b"pkgload-exit status=3\n"), "--log", str(tmp_path / "no" / "k.log"))
    assert proc.returncode == 3
    assert proc.stderr.startswith(b"pkgload: cannot write the kernel log to ") and proc.stderr.count(b"\n") == 1


@pytest.mark.parametrize("status", [0, 1, 255])
def test_status_passes_through(run_stub: Run, status: int) -> None:
    proc = run_stub(StubKernel(log=f"pkgload-exit status={status}\n".encode()))
    assert (proc.returncode, proc.stderr) == (status, b"")


@pytest.mark.parametrize("signo, message", [(11, b"Segmentation fault\n"), (6, b"Aborted\n")])
def test_signal_is_128_plus_n_with_message(run_stub: Run, signo: int, message: bytes) -> None:
    proc = run_stub(StubKernel(out=OUT, err=ERR, log=f"pkgload-exit signal={signo}\n".encode()))
    assert (proc.returncode, proc.stdout, proc.stderr) == (128 + signo, OUT, ERR + message)


def test_kernel_log_only_with_verbose(run_stub: Run) -> None:
    stub = StubKernel(err=ERR, log=b"kernel says hi\npkgload-exit status=0\n")
    assert run_stub(stub).stderr == ERR
    assert run_stub(stub, "--verbose").stderr == ERR + b"kernel says hi\npkgload-exit status=0\n"


def test_panic_is_one_line_and_125(run_stub: Run) -> None:
    """The reason on one line, the report (registers, backtrace) left in the log."""
    log = b"boot ok\npanic: page fault in kernel\nrip 0xffff  f+0x1\npkgload-exit panic\n"
    proc = run_stub(StubKernel(out=OUT, log=log, exit_value=0x11))
    assert proc.returncode == 125 and proc.stdout == OUT
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and re.fullmatch(r"pkgload: the kernel crashed \(page fault in kernel\); log: \S+", lines[0])
    assert Path(lines[0].rpartition("log: ")[2]).read_bytes() == log  # the whole report is there


def test_no_exit_record_is_125(run_stub: Run) -> None:
    proc = run_stub(StubKernel(log=b"the kernel forgot\n"))
    assert proc.returncode == 125
    assert proc.stderr.startswith(b"pkgload: the VM ended without an exit record (qemu status 33)")
    assert proc.stderr.count(b"\n") == 1


def test_qemu_failure_is_one_line_125(run_stub: Run, tmp_path: Path, elf_dir: Path) -> None:
    bogus = tmp_path / "kernel.elf"
    bogus.write_text("not a kernel\n")
    env = {**os.environ, "PKGLOAD_KERNEL": str(bogus), "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "loader", "run", str(elf_dir / "static")],
                          capture_output=True, env=env, timeout=120)
    assert proc.returncode == 125
    assert proc.stderr.startswith(b"pkgload: the VM ended without an exit record (qemu status 1): ")
    assert proc.stderr.count(b"\n") == 1


def test_guest_gets_manifest_and_initramfs(run_stub: Run, elf_dir: Path) -> None:
    stub = StubKernel(log=b"pkgload-exit status=0\n", echo_manifest=True, echo_initrd=True)
    proc = run_stub(stub, "-e", "A=1", args=("x y", ""))
    assert proc.returncode == 0, proc.stderr
    manifest, magic = proc.stdout[:-6], proc.stdout[-6:]
    assert magic == b"070701"
    fields = decode_manifest(manifest)
    program = os.path.realpath(elf_dir / "static").encode()
    assert fields["path"] == program
    assert fields["argv"] == [str(elf_dir / "static").encode(), b"x y", b""]
    assert fields["env"][-1] == b"A=1"
    assert fields["flags"] & 0b111 == 0   # no terminals


def test_output_to_a_file_keeps_shell_order(build_stub: Callable[[StubKernel], Path], elf_dir: Path,
                                            tmp_path: Path) -> None:
    kernel = build_stub(StubKernel(out=OUT, err=ERR, log=b"pkgload-exit status=0\n"))
    out = tmp_path / "out.txt"
    script = '{ echo a; "$PY" -m loader run "$PROG"; echo b; } > "$OUT" 2>&1'
    env = {**os.environ, "PY": sys.executable, "PROG": str(elf_dir / "static"), "OUT": str(out),
           "PKGLOAD_KERNEL": str(kernel), "PKGLOAD_ACCEL": "tcg", "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run(["bash", "-c", script], check=True, env=env, timeout=120)
    assert out.read_bytes() == b"a\n" + OUT + ERR + b"b\n"


def _processes_mentioning(text: str) -> list[int]:
    """Return the pids whose command line contains text."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_second_ctrl_c_kills_qemu_and_exits_130(build_stub: Callable[[StubKernel], Path], elf_dir: Path,
                                                tmp_path: Path) -> None:
    """The first SIGINT goes to the program (the stub does not listen); the second stops the VM."""
    kernel = build_stub(StubKernel(log=b"running\n", hang=True))
    env = {**os.environ, "PKGLOAD_KERNEL": str(kernel), "PKGLOAD_ACCEL": "tcg",
           "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "loader", "run", "--verbose", str(elf_dir / "static")],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    assert proc.stderr.readline() == b"running\n"  # the VM is up
    assert _processes_mentioning(str(kernel))
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None and _processes_mentioning(str(kernel))
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert _processes_mentioning(str(kernel)) == []


def test_qemu_dies_with_pkgload(build_stub: Callable[[StubKernel], Path], elf_dir: Path,
                                tmp_path: Path) -> None:
    kernel = build_stub(StubKernel(log=b"running\n", hang=True))
    env = {**os.environ, "PKGLOAD_KERNEL": str(kernel), "PKGLOAD_ACCEL": "tcg",
           "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "loader", "run", "--verbose", str(elf_dir / "static")],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    assert proc.stderr.readline() == b"running\n"
    proc.kill()
    proc.wait(timeout=30)
    for _ in range(100):
        if not _processes_mentioning(str(kernel)):
            break
        time.sleep(0.1)
    assert _processes_mentioning(str(kernel)) == []


def test_kvm_internal_error_ends_the_run(build_stub: Callable[[StubKernel], Path], elf_dir: Path,
                                         tmp_path: Path) -> None:
    """QEMU stops a VM KVM cannot run on and waits for ever: pkgload ends it, one line, 125.

    A stand-in QEMU on PATH says what QEMU says, then waits as QEMU would.
    """
    fake = tmp_path / "bin" / "qemu-system-x86_64"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'KVM internal error. Suberror: 1' >&2\n"
                    "echo 'emulation failure' >&2\nexec sleep 600\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}",
           "PKGLOAD_KERNEL": str(build_stub(StubKernel())), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "loader", "run", "--accel", "tcg", str(elf_dir / "static")],
                          stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
    assert time.monotonic() - start < 30
    assert proc.returncode == 125
    assert proc.stderr.count(b"\n") == 1 and b"KVM internal error" in proc.stderr, proc.stderr
