"""Hardening, one test per property (docs/kernel.md, "Memory layout").

- W^X in the kernel: the page table the image ships (boot_pt_kernel, made at
  link time) maps text read-only and executable, rodata read-only and
  no-execute, data no-execute; the direct map is no-execute, and its alias
  of the image's text and rodata read-only; nothing in the kernel half is
  user-accessible. Read from the built ELF itself.
- NX, SMEP, SMAP and UMIP are on: the boot CPU's CR4 and EFER, read back and
  logged by cpu.c.
- User pages are NX unless the program asked for PROT_EXEC, and kernel
  addresses are unreadable from user mode: tests/programs/hardening.c, run
  natively and under pkgload with the same output (differential).
- ASLR: stack, mmap base, brk and (for PIE) the program's base differ
  between runs; a non-PIE program stays at its link address, as on Linux.
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import pytest

from cprograms import FLAVOUR_NAMES, get_binary_path

PTE_P, PTE_W, PTE_U, PTE_PS, PTE_NX = 1, 1 << 1, 1 << 2, 1 << 7, 1 << 63
KERNEL_BASE = 0xFFFFFFFF80000000
ASLR_RUNS = 3


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}


def _read_quads(elf: object, symbols: dict[str, int], name: str, count: int) -> list[int]:
    """COUNT 8-byte entries at symbol NAME, from the section holding it in the file."""
    addr = symbols[name]
    for sec in elf.iter_sections():  # type: ignore[attr-defined]
        start = sec["sh_addr"]
        if sec["sh_type"] == "SHT_PROGBITS" and start <= addr < start + sec["sh_size"]:
            data = sec.data()[addr - start:addr - start + 8 * count]
            return list(struct.unpack(f"<{count}Q", data))
    raise AssertionError(f"{name} is in no section with file contents")


def _kernel_tables(kernel: Path) -> tuple[dict[str, int], list[int], list[int], list[int]]:
    from elftools.elf.elffile import ELFFile

    with open(kernel, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        symbols = {s.name: s["st_value"] for s in symtab.iter_symbols()}
        return (symbols, _read_quads(elf, symbols, "boot_pt_kernel", 512),
                _read_quads(elf, symbols, "boot_pdpt_direct", 512),
                _read_quads(elf, symbols, "boot_pml4", 512))


def _check_direct_alias(kernel: Path, symbols: dict[str, int], gib0: int) -> None:
    """The direct map's view of the image's physical pages: text and rodata read-only."""
    from elftools.elf.elffile import ELFFile

    with open(kernel, "rb") as f:
        elf = ELFFile(f)
        pd = _read_quads(elf, symbols, "boot_pd_direct0", 512)
        pt = _read_quads(elf, symbols, "boot_pt_direct0", 512)
    assert not gib0 & PTE_PS and gib0 & ~PTE_NX & ~0xFFF == symbols["boot_pd_direct0"] - KERNEL_BASE
    assert not pd[0] & PTE_PS and pd[0] & ~PTE_NX & ~0xFFF == symbols["boot_pt_direct0"] - KERNEL_BASE
    start, end = (symbols[s] - KERNEL_BASE for s in ("__kernel_start", "__rodata_end"))
    for i, pte in enumerate(pt):
        assert pte & PTE_P and pte & PTE_NX and not pte & PTE_U, f"direct page {i}: {pte:#x}"
        assert bool(pte & PTE_W) == (not start <= i * 4096 < end), f"direct page {i}: {pte:#x}"
    assert all(e & PTE_PS and e & PTE_NX and e & ~PTE_NX & ~0xFFF == i << 21
               for i, e in enumerate(pd) if i), "the first GiB's 2 MiB pages"


def test_kernel_image_is_w_xor_x(kernel: Path) -> None:
    symbols, pt, direct, pml4 = _kernel_tables(kernel)
    seen = {"text": 0, "rodata": 0, "data": 0}
    for i, pte in enumerate(pt):
        if not pte & PTE_P:
            continue
        va = KERNEL_BASE + i * 4096
        writable, executable = bool(pte & PTE_W), not pte & PTE_NX
        assert not pte & PTE_U, f"kernel page {va:#x} is user-accessible"
        if va < symbols["__text_end"]:
            seen["text"] += 1
            assert (writable, executable) == (False, True), f"text page {va:#x}: {pte:#x}"
        elif va < symbols["__rodata_end"]:
            seen["rodata"] += 1
            assert (writable, executable) == (False, False), f"rodata page {va:#x}: {pte:#x}"
        else:
            seen["data"] += 1
            assert not executable, f"data page {va:#x} is executable: {pte:#x}"
    assert all(seen.values()), seen
    assert all(e & PTE_NX and not e & PTE_U for e in direct if e & PTE_P), "direct map"
    _check_direct_alias(kernel, symbols, direct[0])
    assert not any(e & PTE_U for e in pml4[256:]), "a kernel-half PML4 entry lets user mode in"


def test_cpu_protections_on(pkgload: Path, env: dict[str, str], tmp_path: Path) -> None:
    """Under TCG (-cpu max) every protection exists, so every one must be on."""
    log = tmp_path / "kernel.log"
    hello = get_binary_path("hello", "glibc-static")
    subprocess.run([str(pkgload), "run", "--log", str(log), str(hello)], check=True, env=env,
                   capture_output=True, stdin=subprocess.DEVNULL, cwd="/", timeout=120)
    assert "cpu: nx on, smep on, smap on, umip on" in log.read_text()


@pytest.mark.parametrize("mode", ("nx", "kernel"))
@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
def test_hardening_program(programs: Path, pkgload: Path, env: dict[str, str], flavour: str,
                           mode: str) -> None:
    binary = str(get_binary_path("hardening", flavour))
    native = subprocess.run([binary, mode], capture_output=True, timeout=60, cwd="/")
    guest = subprocess.run([str(pkgload), "run", binary, mode], capture_output=True,
                           timeout=120, cwd="/", env=env, stdin=subprocess.DEVNULL)
    expected = b"signal 11 at the code" if mode == "nx" else b"signal 11"
    assert native.returncode == 0 and expected in native.stdout and b"read it" not in native.stdout
    assert (guest.returncode, guest.stdout) == (native.returncode, native.stdout), guest.stderr


@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
def test_aslr(programs: Path, pkgload: Path, env: dict[str, str], flavour: str) -> None:
    binary = str(get_binary_path("hardening", flavour))
    runs = []
    for _ in range(ASLR_RUNS):
        out = subprocess.run([str(pkgload), "run", binary, "aslr"], capture_output=True,
                             timeout=120, cwd="/", env=env, stdin=subprocess.DEVNULL, check=True)
        runs.append(dict(line.split() for line in out.stdout.decode().splitlines()))
    for what in ("stack", "mmap", "brk"):
        assert len({r[what] for r in runs}) > 1, f"{what} the same in {ASLR_RUNS} runs: {runs}"
    programs_seen = {r["program"] for r in runs}
    if flavour in ("glibc-dynamic", "glibc-static-pie"):  # PIE: its base moves
        assert len(programs_seen) > 1, runs
    else:  # static, not PIE: at its link address, as on Linux
        assert len(programs_seen) == 1, runs
