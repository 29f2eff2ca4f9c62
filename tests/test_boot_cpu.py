"""The kernel boots on CPUs without 1 GiB pages: boot.S maps with 2 MiB pages then.

QEMU's `-cpu max,-pdpe1gb` hides the CPUID bit; the rest of the line is
pkgload's own (loader.vm.qemu_command), the program tests/programs/hello.c.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from loader import image, manifest, vm


def run_on_cpu(kernel: Path, program: Path, cpu: str, tmp_path: Path) -> tuple[int, bytes, bytes]:
    """Boot program on CPU model cpu under TCG; return QEMU's status, the program's stdout, the kernel log."""
    img = image.build_image(program)
    boot = manifest.make_manifest(img.guest_path, [str(program)], manifest.make_env([]), img.program_extent)
    (tmp_path / "manifest").write_bytes(manifest.encode_manifest(boot))
    fds = []
    try:
        for name, flags in (("out", os.O_WRONLY | os.O_CREAT), ("log", os.O_WRONLY | os.O_CREAT),
                            ("manifest", os.O_RDONLY)):
            fds.append(os.open(tmp_path / name, flags, 0o644))
        null = os.open(os.devnull, os.O_RDWR)
        fds.append(null)
        out, log, man = fds[:3]
        cmd = vm.qemu_command(vm.find_qemu(), kernel, img.path, vm.DEFAULT_MEMORY_MIB, vm.Accel("tcg", cpu, "test"),
                              vm.VmFds(out=out, err=null, klog=log, manifest=man))
        proc = subprocess.run(cmd, stdin=null, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              pass_fds=fds, timeout=120)
    finally:
        for fd in fds:
            os.close(fd)
    return proc.returncode, (tmp_path / "out").read_bytes(), (tmp_path / "log").read_bytes()


def test_without_gib_pages(kernel: Path, programs: Path, tmp_path: Path) -> None:
    hello = programs / "glibc-static" / "hello"
    status, out, log = run_on_cpu(kernel, hello, "max,-pdpe1gb", tmp_path)
    assert b"pkgload-exit status=0" in log, log.decode(errors="replace")
    assert out == subprocess.run([str(hello)], capture_output=True, check=True).stdout
    assert status == 33  # isa-debug-exit: (QEMU_EXIT_PROGRAM << 1) | 1, as for every clean run
