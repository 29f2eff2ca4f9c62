"""Bad input to `pkgload run`: one `Error: ...` line, exit status 2, never a traceback.

Each bad file is made here from a real binary: truncated, or with one ELF
header field rewritten (class, machine, type).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from host_samples import patched_copy
from loader.elf import check_runnable
from loader.errors import ElfFormatError

# ELF header offsets (System V gABI): e_ident[EI_CLASS], e_type, e_machine.
EI_CLASS, E_TYPE, E_MACHINE = 4, 16, 18
ELFCLASS32, ET_CORE, EM_AARCH64 = b"\x01", (4).to_bytes(2, "little"), (183).to_bytes(2, "little")


def make_bad_input(kind: str, elf_dir: Path, tmp: Path) -> Path:
    """Return a path of the given kind of bad input, made under tmp."""
    static = elf_dir / "static"
    if kind == "missing":
        return tmp / "no-such-program"
    if kind == "directory":
        return tmp
    if kind == "text":
        p = tmp / "script.txt"
        p.write_text("echo not an ELF, nor a #! script\n")
        return p
    if kind == "empty":
        p = tmp / "empty"
        p.write_bytes(b"")
        return p
    if kind == "truncated":
        p = tmp / "truncated"
        p.write_bytes(static.read_bytes()[:4096])
        return p
    if kind == "truncated-header":
        p = tmp / "truncated-header"
        p.write_bytes(static.read_bytes()[:40])
        return p
    if kind == "32-bit":
        return patched_copy(static, tmp / "elf32", EI_CLASS, ELFCLASS32)
    if kind == "aarch64":
        return patched_copy(static, tmp / "aarch64", E_MACHINE, EM_AARCH64)
    if kind == "core":
        return patched_copy(static, tmp / "core", E_TYPE, ET_CORE)
    if kind == "object":
        return elf_dir / "object.o"
    if kind == "shared-library":
        return Path("/usr/lib/x86_64-linux-gnu/libm.so.6")
    raise AssertionError(kind)


BAD_INPUTS = {
    "missing": "no such file",
    "directory": "is a directory",
    "text": "not an ELF file",
    "empty": "not an ELF file",
    "truncated": "truncated",
    "truncated-header": "truncated",
    "32-bit": "32-bit",
    "aarch64": "aarch64",
    "core": "core dump",
    "object": "relocatable object",
    "shared-library": "shared library",
}


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_check_runnable_rejects(kind: str, elf_dir: Path, tmp_path: Path) -> None:
    path = make_bad_input(kind, elf_dir, tmp_path)
    with pytest.raises(ElfFormatError) as exc:
        check_runnable(path)
    message = str(exc.value)
    assert message.startswith(f"{path}: ")
    assert BAD_INPUTS[kind] in message
    assert "\n" not in message and not message.endswith(".")


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_cli_bad_input_is_one_line_status_2(
    kind: str, elf_dir: Path, tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    path = make_bad_input(kind, elf_dir, tmp_path)
    proc = run_pkgload("run", str(path), "arg")
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"Error: {path}: ")
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n")
    assert BAD_INPUTS[kind] in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_file_is_one_line(
    static_elf: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    static_elf.chmod(0)
    proc = run_pkgload("run", str(static_elf))
    assert proc.returncode == 2 and "permission denied" in proc.stderr


@pytest.mark.parametrize(
    "name, kind, interp",
    [
        ("static", "static", None),
        ("static-pie", "static-pie", None),
        ("dynamic", "dynamic-pie", "/lib64/ld-linux-x86-64.so.2"),
    ],
)
def test_check_runnable_facts(elf_dir: Path, name: str, kind: str, interp: str | None) -> None:
    info = check_runnable(elf_dir / name)
    assert (info.elfclass, info.machine) == (64, "EM_X86_64")
    assert info.kind == kind
    assert info.interpreter == interp
    assert info.is_static == (interp is None)
    assert info.is_static_pie == (kind == "static-pie")
    assert info.entry != 0


def test_good_program_without_kernel_is_status_125(
    elf_dir: Path, tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    missing = tmp_path / "no-kernel.elf"
    proc = run_pkgload("run", str(elf_dir / "static"), env={"PKGLOAD_KERNEL": str(missing)})
    assert proc.returncode == 125
    assert proc.stderr == f"pkgload: kernel image not found at {missing}: run make\n"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["-m", "1"], "too little memory"),
        (["-m", "lots"], "not a size"),
        (["--accel", "xen"], "'xen' is not one of"),
        (["-e", "=x"], "expected KEY=VALUE"),
    ],
)
def test_bad_options_are_status_2(
    elf_dir: Path,
    args: list[str],
    needle: str,
    run_pkgload: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    proc = run_pkgload("run", *args, str(elf_dir / "static"))
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr
