"""How much guest memory (-m) a run needs before its program can start.

Guest RAM, low to high (docs/boot-protocol.md): the first MiB (boot
structures), the kernel image (below 2 MiB), the manifest at MANIFEST_PHYS
(2 MiB), the memory the kernel hands out, and the initramfs, which QEMU puts
at the top of RAM: at (RAM - 1 - size) rounded down to a page (QEMU 7.2's
x86_load_linux; microvm keeps no ACPI area there: measured, `-m 40` refuses
an image over 41943039 bytes). An image that reaches down to the manifest
overwrites it (the kernel then panics: no boot manifest), so the host
refuses such a -m, and asks besides for FLOOR_BYTES free between them: the
kernel's own tables and the program's first pages (a static hello runs
with 270 KiB free; python3 -c pass needs about 7 MiB, and is OOM-killed
with less, as on Linux).
"""

from __future__ import annotations

from loader.manifest import MANIFEST_PHYS

MIB = 1 << 20
PAGE = 4096
FLOOR_BYTES = 1 * MIB  # free memory asked for beyond the boot data and the image


def get_min_memory_mib(image_size: int, manifest_size: int) -> int:
    """Return the smallest -m, in MiB, that boots an image of image_size bytes.

    manifest_size is the encoded manifest's size: the kernel keeps both in
    place for the whole run.
    """
    manifest_end = MANIFEST_PHYS + _page_up(manifest_size)
    # initrd_addr = (ram - 1 - size) & ~(PAGE - 1) >= manifest_end + floor
    need = manifest_end + FLOOR_BYTES + _page_up(image_size) + PAGE
    return -(-need // MIB)


def _page_up(n: int) -> int:
    """Return n rounded up to a whole page."""
    return -(-n // PAGE) * PAGE
