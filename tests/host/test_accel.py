"""Choosing the accelerator and CPU model, memory sizes, and the QEMU command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.errors import VmError
from loader.vm import Accel, VmFds, detect_kvm, parse_memory, qemu_command, select_accel


@pytest.fixture
def host(tmp_path: Path) -> dict[str, str]:
    """A fake /dev/kvm (a file that opens) and an empty /sys/module."""
    dev = tmp_path / "kvm"
    dev.write_bytes(b"")
    mods = tmp_path / "module"
    mods.mkdir()
    return {"dev": str(dev), "sys_module": str(mods)}


def with_module(host: dict[str, str], name: str) -> dict[str, str]:
    (Path(host["sys_module"]) / name).mkdir()
    return host


def no_kvm(host: dict[str, str]) -> dict[str, str]:
    return {**host, "dev": host["dev"] + ".missing"}


def test_detect_kvm(host: dict[str, str]) -> None:
    assert detect_kvm(**no_kvm(host)) is None
    assert detect_kvm(**host) == "other"
    assert detect_kvm(**with_module(host, "kvm_pvm")) == "other"
    assert detect_kvm(**with_module(host, "kvm_amd")) == "hardware"


@pytest.mark.parametrize("module", ["kvm_intel", "kvm_amd"])
def test_auto_uses_hardware_kvm(host: dict[str, str], module: str) -> None:
    accel = select_accel("auto", {}, **with_module(host, module))
    assert (accel.name, accel.cpu) == ("kvm", "host")


def test_auto_avoids_kvm_pvm(host: dict[str, str]) -> None:
    accel = select_accel("auto", {}, **with_module(host, "kvm_pvm"))
    assert (accel.name, accel.cpu) == ("tcg", "max")


def test_auto_without_dev_kvm_is_tcg(host: dict[str, str]) -> None:
    assert select_accel("auto", {}, **no_kvm(with_module(host, "kvm_intel"))).name == "tcg"


def test_asked_kvm_on_pvm_masks_arch_capabilities(host: dict[str, str]) -> None:
    accel = select_accel("kvm", {}, **with_module(host, "kvm_pvm"))
    assert (accel.name, accel.cpu) == ("kvm", "max,-arch-capabilities")


def test_asked_kvm_without_dev_kvm_fails(host: dict[str, str]) -> None:
    with pytest.raises(VmError, match="--accel tcg"):
        select_accel("kvm", {}, **no_kvm(host))


def test_asked_tcg_even_on_hardware(host: dict[str, str]) -> None:
    assert select_accel("tcg", {}, **with_module(host, "kvm_intel")).name == "tcg"


def test_env_overrides_auto_only(host: dict[str, str]) -> None:
    host = with_module(host, "kvm_intel")
    assert select_accel("auto", {"PKGLOAD_ACCEL": "tcg"}, **host).name == "tcg"
    assert select_accel("kvm", {"PKGLOAD_ACCEL": "tcg"}, **host).name == "kvm"
    assert select_accel("auto", {"PKGLOAD_ACCEL": ""}, **host).name == "kvm"
    with pytest.raises(VmError, match="PKGLOAD_ACCEL=xen"):
        select_accel("auto", {"PKGLOAD_ACCEL": "xen"}, **host)


@pytest.mark.parametrize(
    "text, mib",
    [("256", 256), ("256M", 256), ("256m", 256), ("1G", 1024), ("2GiB", 2048),
     ("65536K", 64), ("16", 16), ("4", 4)],
)  # fmt: skip
def test_parse_memory(text: str, mib: int) -> None:
    assert parse_memory(text) == mib


@pytest.mark.parametrize("text", ["", "abc", "1T", "-5", "3", "0", "1.5G", "4095K"])
def test_parse_memory_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_memory(text)


def test_qemu_command_follows_boot_protocol() -> None:
    fds = VmFds(out=10, err=11, klog=12, manifest=13, stdin=14, control=15)
    cmd = qemu_command("qemu", Path("/k.elf"), Path("/i.cpio"), 256, Accel("tcg", "max", ""), fds)
    line = " ".join(cmd)
    assert cmd[0] == "qemu"
    for part in [
        "-M microvm,x-option-roms=off,rtc=off,isa-serial=on",
        "-m 256",
        "-nodefaults -no-user-config -display none -no-reboot",
        "-accel tcg -cpu max",
        "-kernel /k.elf",
        "-initrd /i.cpio",
        "-device loader,file=/dev/fd/13,addr=0x200000,force-raw=on",
        "-global virtio-mmio.force-legacy=false -device virtio-serial-device,max_ports=5",
        "-chardev socket,id=in,fd=14 -device virtserialport,chardev=in,nr=1,name=stdin",
        "-chardev file,id=out,path=/dev/fd/10,append=on -device virtserialport,chardev=out,nr=2,name=stdout",
        "-chardev file,id=err,path=/dev/fd/11,append=on -device virtserialport,chardev=err,nr=3,name=stderr",
        "-chardev socket,id=control,fd=15 -device virtserialport,chardev=control,nr=4,name=pkgload",
        "-chardev file,id=com1,path=/dev/fd/10,append=on -serial chardev:com1",
        "-chardev file,id=com2,path=/dev/fd/11,append=on",
        "-device isa-serial,chardev=com2,iobase=0x2f8,irq=3,index=1",
        "-chardev file,id=klog,path=/dev/fd/12 -device isa-debugcon,iobase=0xe9,chardev=klog",
        "-device isa-debug-exit,iobase=0xf4,iosize=4",
    ]:
        assert part in line


def test_qemu_command_without_stdin_or_control() -> None:
    cmd = qemu_command("qemu", Path("/k.elf"), Path("/i.cpio"), 256, Accel("tcg", "max", ""),
                       VmFds(out=10, err=11, klog=12, manifest=13))
    line = " ".join(cmd)
    assert "-chardev null,id=in " in line and "-chardev null,id=control " in line
