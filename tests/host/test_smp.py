"""`pkgload run --smp N`: parsing the count, and the QEMU command line it gives.

The command line is checked twice: qemu_command's list, and what `pkgload
run` really starts, through a stand-in qemu-system-x86_64 on PATH that records
its argv and writes an exit record where the kernel log goes.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from loader.vm import MAX_SMP, Accel, VmFds, parse_smp, qemu_command

FDS = VmFds(out=10, stdin=0, err=11, klog=12, manifest=13)
TCG = Accel("tcg", "max", "")
KVM = Accel("kvm", "host", "")

# Records its argv (one word a line) and plays a kernel that exits with 0:
# the exit record goes to the debugcon chardev's /dev/fd/N.
FAKE_QEMU = r"""#!/bin/sh
printf '%s\n' "$@" > "$PKGLOAD_TEST_ARGV"
for arg in "$@"; do
    case "$arg" in
        file,id=klog,path=*) printf 'pkgload-exit status=0\n' > "${arg#file,id=klog,path=}" ;;
    esac
done
"""


def command(accel: Accel, smp: int | None = None) -> str:
    """Return qemu_command's argv as one line, with smp given or left to its default."""
    extra = {} if smp is None else {"smp": smp}
    return shlex.join(qemu_command("qemu", Path("/k.elf"), Path("/i.cpio"), 256, accel, FDS, **extra))


@pytest.mark.parametrize("text, n", [("1", 1), ("2", 2), (" 8 ", 8), ("64", 64), ("02", 2)])
def test_parse_smp(text: str, n: int) -> None:
    assert parse_smp(text) == n


@pytest.mark.parametrize("text", ["", "0", "65", "-1", "two", "1.5", "2x", "1e1"])
def test_parse_smp_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=f"use 1 to {MAX_SMP}"):
        parse_smp(text)


def test_one_cpu_by_default() -> None:
    assert "-accel tcg -cpu max -smp 1 " in command(TCG)


def test_several_cpus_under_tcg_run_multi_threaded() -> None:
    assert "-accel tcg,thread=multi -cpu max -smp 2 " in command(TCG, 2)
    assert "-accel tcg,thread=multi -cpu max -smp 64 " in command(TCG, 64)


def test_kvm_takes_smp_alone() -> None:
    assert "-accel kvm -cpu host -smp 4 " in command(KVM, 4)


@pytest.fixture
def fake_qemu(tmp_path: Path) -> dict[str, str]:
    """Return an environment whose qemu-system-x86_64 is FAKE_QEMU (argv in PKGLOAD_TEST_ARGV)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    qemu = bin_dir / "qemu-system-x86_64"
    qemu.write_text(FAKE_QEMU)
    qemu.chmod(0o755)
    kernel = tmp_path / "kernel.elf"
    kernel.write_bytes(b"")  # the stand-in never reads it
    env = {k: v for k, v in os.environ.items() if k != "PKGLOAD_SMP"}
    return {**env, "PATH": f"{bin_dir}:{env['PATH']}", "PKGLOAD_KERNEL": str(kernel),
            "PKGLOAD_ACCEL": "tcg", "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PKGLOAD_TEST_ARGV": str(tmp_path / "argv")}


def run_smp(env: dict[str, str], program: Path, *options: str,
            smp_env: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `pkgload run OPTIONS PROGRAM` against the stand-in QEMU, PKGLOAD_SMP=smp_env if given."""
    if smp_env is not None:
        env = {**env, "PKGLOAD_SMP": smp_env}
    return subprocess.run([sys.executable, "-m", "loader", "run", *options, str(program)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)


def started_with(env: dict[str, str]) -> str:
    """Return the -smp and -accel values the stand-in QEMU was started with."""
    argv = Path(env["PKGLOAD_TEST_ARGV"]).read_text().splitlines()
    return f"-smp {argv[argv.index('-smp') + 1]} -accel {argv[argv.index('-accel') + 1]}"


@pytest.mark.parametrize("options, smp_env, want", [
    ((), None, "-smp 1 -accel tcg"),
    (("--smp", "2"), None, "-smp 2 -accel tcg,thread=multi"),
    (("--smp=64",), None, "-smp 64 -accel tcg,thread=multi"),
    ((), "3", "-smp 3 -accel tcg,thread=multi"),
    ((), "", "-smp 1 -accel tcg"),  # empty: as if unset
    (("--smp", "1"), "4", "-smp 1 -accel tcg"),  # the flag wins over the environment
    (("--smp", "2"), "zero", "-smp 2 -accel tcg,thread=multi"),  # a bad default that is not used
])  # fmt: skip
def test_run_passes_smp_to_qemu(fake_qemu: dict[str, str], elf_dir: Path, options: tuple[str, ...],
                                smp_env: str | None, want: str) -> None:
    proc = run_smp(fake_qemu, elf_dir / "static", *options, smp_env=smp_env)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert started_with(fake_qemu) == want


@pytest.mark.parametrize("options, smp_env, message", [
    (("--smp", "0"), None, "Invalid value for '--smp': '0': not a number of vCPUs, use 1 to 64"),
    (("--smp", "65"), None, "Invalid value for '--smp': '65': not a number of vCPUs, use 1 to 64"),
    (("--smp", "two"), None, "Invalid value for '--smp': 'two': not a number of vCPUs, use 1 to 64"),
    ((), "0", "Invalid value for '--smp': PKGLOAD_SMP='0': not a number of vCPUs, use 1 to 64"),
    ((), "many", "Invalid value for '--smp': PKGLOAD_SMP='many': not a number of vCPUs, use 1 to 64"),
])  # fmt: skip
def test_bad_smp_is_a_usage_error(fake_qemu: dict[str, str], elf_dir: Path, options: tuple[str, ...],
                                  smp_env: str | None, message: str) -> None:
    proc = run_smp(fake_qemu, elf_dir / "static", *options, smp_env=smp_env)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == f"Error: {message}"
    assert not Path(fake_qemu["PKGLOAD_TEST_ARGV"]).exists()  # QEMU never started
