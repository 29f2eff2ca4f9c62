"""loader/guest_memory.py and the out-of-memory report: no VM needed.

The minimum -m keeps QEMU's initramfs (loaded at the top of RAM) clear of
the manifest with the floor between them, and is the smallest such size;
a SIGKILL is reported as out of memory only when the kernel's OOM killer
logged it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.guest_memory import FLOOR_BYTES, MIB, PAGE, get_min_memory_mib
from loader.manifest import MANIFEST_PHYS
from loader.vm import _result


def qemu_initrd_addr(ram_mib: int, size: int) -> int:
    """Where QEMU 7.2 loads an initrd of size bytes in ram_mib of RAM (x86_load_linux, microvm)."""
    return (ram_mib * MIB - 1 - size) & ~(PAGE - 1)


@pytest.mark.parametrize("image", [0, 1, 4095, 4096, 764544, 49585232, 3 * MIB - 17, 1 << 30])
@pytest.mark.parametrize("manifest", [300, 4096, 70000])
def test_the_minimum_is_the_smallest_size_that_leaves_the_floor(image: int, manifest: int) -> None:
    least = get_min_memory_mib(image, manifest)
    manifest_end = MANIFEST_PHYS + -(-manifest // PAGE) * PAGE
    assert qemu_initrd_addr(least, image) >= manifest_end + FLOOR_BYTES
    assert qemu_initrd_addr(least - 1, image) < manifest_end + FLOOR_BYTES


def test_python3_sized_image_needs_51_mib() -> None:
    assert get_min_memory_mib(49585232, 2000) == 51  # measured: python3's image, BENCHMARKS.md


def _record(line: str, oom: bool) -> bytes:
    kill = b"oom-kill: out of memory: killed process 2 (python3): no free page for address 0x1000\n"
    return (kill if oom else b"") + line.encode() + b"\n"


def test_an_oom_kill_is_reported_as_such(tmp_path: Path) -> None:
    r = _result(33, _record("pkgload-exit signal=9", oom=True), b"", tmp_path / "log", 64)
    assert (r.exit_status, r.get_signal_message()) == (137, "pkgload: out of memory (-m 64M); try a larger -m")


def test_a_plain_sigkill_is_killed(tmp_path: Path) -> None:
    r = _result(33, _record("pkgload-exit signal=9", oom=False), b"", tmp_path / "log", 64)
    assert (r.exit_status, r.get_signal_message()) == (137, "Killed")


def test_another_signal_after_an_oom_kill_keeps_its_name(tmp_path: Path) -> None:
    """A child was OOM-killed, and the program then died of SIGSEGV: that is what is said."""
    r = _result(33, _record("pkgload-exit signal=11", oom=True), b"", tmp_path / "log", 64)
    assert (r.exit_status, r.get_signal_message()) == (139, "Segmentation fault")
