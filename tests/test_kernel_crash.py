"""A kernel crash is reported as the kernel's, never blamed on the program.

The kernel crashes on purpose only when the manifest's CRASH bits ask
(the host sets them from $PKGLOAD_TEST_CRASH, for these tests:
docs/boot-protocol.md): a read of an unmapped kernel address, a read of a
user address outside uaccess, and a kernel stack overflow into the guard
below it. Each ends with status 125, one line on stderr naming the cause
and the log, and a symbolised backtrace in the log. A program touching or
jumping to kernel addresses still gets SIGSEGV, as natively.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

TIMEOUT = 120
CRASHES = {
    "kernel-fault": r"page fault in the kernel: read of kernel address 0xffffb00000000000",
    "user-access": r"page fault in the kernel: read of user address 0x0+10 outside uaccess",
    "stack-overflow": r"kernel stack overflow: double fault at 0x[0-9a-f]+, in the guard page below a kernel stack",
}
KERNEL_ADDRESS_PROGRAM = rb"""
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    volatile unsigned long *p = (unsigned long *)0xffffffff80100000ul;   /* the kernel's text */
    if (!strcmp(argv[1], "read"))
        return (int)*p;
    if (!strcmp(argv[1], "write"))
        *p = 1;
    if (!strcmp(argv[1], "jump"))
        ((void (*)(void))p)();
    return 0;
}
"""


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd="/",
                          timeout=TIMEOUT, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("crash", sorted(CRASHES))
def test_a_kernel_crash_is_125_with_one_line(pkgload: Path, programs: Path, tmp_path: Path, crash: str) -> None:
    log_path = tmp_path / "kernel.log"
    proc = _run([str(pkgload), "run", "--log", str(log_path), str(programs / "glibc-static" / "hello")],
                {"PKGLOAD_TEST_CRASH": crash})
    log = log_path.read_text(errors="replace")
    assert proc.returncode == 125 and proc.stdout == "", (proc.returncode, proc.stdout, log[-2000:])
    assert re.fullmatch(rf"pkgload: the kernel crashed \({CRASHES[crash]}\); log: {re.escape(str(log_path))}\n",
                        proc.stderr), proc.stderr
    report = log[log.index("\npanic: "):]
    # the faulting instruction and the callers, named from the kernel's symbol table
    assert re.search(r"^rip 0xffffffff[0-9a-f]{8}  \w[\w.]*\+0x[0-9a-f]+$", report, re.M), report
    assert "\nbacktrace:\n" in report, report
    assert re.findall(r"^  0x[0-9a-f]{16}  \w[\w.]*\+0x[0-9a-f]+$", report, re.M), report
    assert report.rstrip().endswith("pkgload-exit panic")


def test_an_unknown_crash_test_is_refused(pkgload: Path, programs: Path) -> None:
    proc = _run([str(pkgload), "run", str(programs / "glibc-static" / "hello")], {"PKGLOAD_TEST_CRASH": "x"})
    assert proc.returncode == 125
    assert proc.stderr == ("pkgload: PKGLOAD_TEST_CRASH='x': not a crash test, use one of kernel-fault, "
                           "user-access, stack-overflow\n")


@pytest.fixture(scope="module")
def kernel_address_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kaddr") / "kaddr"
    src = out.with_suffix(".c")
    src.write_bytes(KERNEL_ADDRESS_PROGRAM)
    proc = subprocess.run(["gcc", "-static", "-O1", "-o", str(out), str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize("how", ["read", "write", "jump"])
def test_a_program_touching_the_kernel_gets_sigsegv(pkgload: Path, kernel_address_program: Path,
                                                    tmp_path: Path, how: str) -> None:
    """The program's own fault at a kernel address is the program's: SIGSEGV, as natively."""
    native = _run([str(kernel_address_program), how])
    log_path = tmp_path / "kernel.log"
    guest = _run([str(pkgload), "run", "--log", str(log_path), str(kernel_address_program), how])
    assert native.returncode == -11
    assert (guest.returncode, guest.stderr) == (139, "Segmentation fault\n"), log_path.read_text()[-2000:]
    assert "panic" not in log_path.read_text()


def test_kvm_runs_or_names_the_hypervisor(pkgload: Path, programs: Path, tmp_path: Path) -> None:
    """`--accel kvm`: the program runs on hardware KVM; under kvm_pvm the kernel's crash is the kernel's.

    kvm_pvm (this project's machines) sends SYSCALL to syscall_entry still in
    user mode (docs/kernel.md, "Panics"); that was once reported as the
    program's Segmentation fault.
    """
    sys_module = Path("/sys/module")
    if not Path("/dev/kvm").exists():
        pytest.skip("no /dev/kvm on this machine")
    log_path = tmp_path / "kernel.log"
    proc = _run([str(pkgload), "run", "--accel", "kvm", "--log", str(log_path),
                 str(programs / "glibc-static" / "hello")])
    if (sys_module / "kvm_intel").exists() or (sys_module / "kvm_amd").exists():
        assert proc.returncode == 0, proc.stderr
    elif (sys_module / "kvm_pvm").exists():
        assert proc.returncode == 125 and proc.stdout == "", (proc.returncode, proc.stderr)
        assert proc.stderr.startswith("pkgload: the kernel crashed (syscall_entry ran in user mode: "), proc.stderr
    else:
        pytest.skip("/dev/kvm is neither kvm_intel, kvm_amd nor kvm_pvm")
