"""A stand-in for the real kernel, to test the host side of the boot protocol alone.

It is a tiny PVH ELF (32-bit code, assembled by gcc/as) that writes fixed
bytes to COM1, COM2 and the debug console, can copy the manifest and
the first bytes of the initramfs to COM1, and then writes a value to the
isa-debug-exit port, as the real kernel does when a program ends.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

_HEAD = r"""
    .section .note.pvh, "a"
    .align 4
    .long 4, 4, 18              /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start
    .text
    .code32
    .globl _start
_start:
    mov %ebx, %edi              /* hvm_start_info */
    mov $stack_top, %esp        /* PVH leaves %esp undefined */
"""

_WRITE = r"""
    mov ${label}, %esi
    mov ${label}_end - {label}, %ecx
    mov ${port}, %dx
    rep outsb
"""

# Write the first 6 bytes of module 0 (the initramfs: "070701") to COM1.
_INITRD = r"""
    mov 16(%edi), %esi          /* modlist_paddr */
    mov (%esi), %esi            /* modules[0].paddr */
    mov $6, %ecx
    mov $0x3f8, %dx
    rep outsb
"""

# Copy the manifest QEMU's loader device put at 2 MiB (its size is at byte 12) to COM1.
_MANIFEST = r"""
    mov $0x200000, %esi
    mov 12(%esi), %ecx
    mov $0x3f8, %dx
    rep outsb
"""

_TAIL = r"""
    mov ${exit_value}, %eax
    mov $0xf4, %dx
    outl %eax, %dx
9:  hlt
    jmp 9b

    .data
    .align 16
    .fill 4096
stack_top:
{data}
"""


@dataclass(frozen=True)
class StubKernel:
    """What the stub writes, in order: COM1, COM2, [manifest], [initrd magic], log, exit."""

    out: bytes = b""
    err: bytes = b""
    log: bytes = b""
    exit_value: int = 0x10
    echo_manifest: bool = False
    echo_initrd: bool = False
    hang: bool = False  # never end: for Ctrl-C

    def source(self) -> str:
        """Return the assembly source of this stub."""
        data, code = [], [_HEAD]
        for label, port, payload in (("out", 0x3F8, self.out), ("err", 0x2F8, self.err)):
            data.append(_data(label, payload))
            code.append(_WRITE.format(label=label, port=port))
        if self.echo_manifest:
            code.append(_MANIFEST)
        if self.echo_initrd:
            code.append(_INITRD)
        data.append(_data("log", self.log))
        code.append(_WRITE.format(label="log", port=0xE9))
        if self.hang:
            code.append("8:  hlt\n    jmp 8b\n")
        code.append(_TAIL.format(exit_value=self.exit_value, data="\n".join(data)))
        return "".join(code)

    def build(self, folder: Path) -> Path:
        """Assemble and link the stub into folder; return the ELF's path."""
        src, obj, elf = folder / "stub.S", folder / "stub.o", folder / "stub.elf"
        src.write_text(self.source())
        subprocess.run(["gcc", "-m32", "-c", "-o", str(obj), str(src)], check=True)
        subprocess.run(["ld", "-m", "elf_i386", "-Ttext=0x100000", "-o", str(elf), str(obj)],
                       check=True)
        return elf


def _data(label: str, payload: bytes) -> str:
    """Return a data block named label holding payload, with a label_end after it."""
    body = ", ".join(str(b) for b in payload)
    return f"{label}: " + (f".byte {body}" if payload else "") + f"\n{label}_end:"
