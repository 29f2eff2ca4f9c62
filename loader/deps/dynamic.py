"""What ld.so reads from one ELF object: the header check and the dynamic section.

The header check is ld.so's open_verify (a file of another class or machine
is skipped, any other problem stops loading); the dynamic section gives the
names an object needs and where it searches for them. Files are read through
a HostFs (loader/hostfs.py), so a memoised plan records them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from loader.errors import ElfFormatError
from loader.hostfs import HostFs

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

# ELF constants (System V gABI) for the header check ld.so's open_verify does.
ELF_MAGIC = b"\x7fELF"
_ELFCLASS64, _ELFDATA2LSB, _EV_CURRENT = 2, 1, 1
_ELFOSABI_OK = (0, 3)  # SYSV, GNU
_ET_EXEC, _ET_DYN = 2, 3
_EM_X86_64 = 62
_DF_1_NODEFLIB = 0x800

HeaderCheck = Literal["ok", "other"] | str


@dataclass(frozen=True)
class DynInfo:
    """What ld.so reads from one object's dynamic section."""

    soname: str | None
    needed: tuple[str, ...]
    rpath: str | None  # None when absent or overridden by DT_RUNPATH
    runpath: str | None
    nodeflib: bool
    interp: str | None


def check_header(head: bytes) -> HeaderCheck:
    """Check an ELF header as ld.so's open_verify does.

    Returns "ok", "other" (other class or machine: ld.so skips the file and
    searches on), or the message of an error that stops loading.
    """
    if len(head) < 64:
        return "file too short"
    if head[:4] != ELF_MAGIC:
        return "invalid ELF header"
    if head[4] != _ELFCLASS64:
        return "other"
    if head[5] != _ELFDATA2LSB:
        return "ELF file data encoding not little-endian"
    if head[6] != _EV_CURRENT:
        return "ELF file version ident does not match current one"
    if head[7] not in _ELFOSABI_OK:
        return "ELF file OS ABI invalid"
    e_type, e_machine = struct.unpack_from("<HH", head, 16)
    if e_machine != _EM_X86_64:
        return "other"
    if e_type not in (_ET_DYN, _ET_EXEC):
        return "only ET_DYN and ET_EXEC can be loaded"
    return "ok"


def read_dyninfo(host: str, shown: str, fs: HostFs) -> DynInfo:
    """Read the dynamic section of host with pyelftools, once per HostFs; shown names it in errors."""
    return fs.parsed("dyninfo", host, lambda: _read_dyninfo(host, shown, fs))


def _read_dyninfo(host: str, shown: str, fs: HostFs) -> DynInfo:
    """Read the dynamic section of host with pyelftools."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        with fs.open(host) as f:
            return _dyninfo_of(ELFFile(f))
    except (ELFError, struct.error, ValueError) as e:
        raise ElfFormatError(f"{shown}: truncated or corrupt ELF file ({e})") from e
    except OSError as e:
        raise ElfFormatError(f"{shown}: cannot read ({e.strerror})") from e


def _dyninfo_of(elf: ELFFile) -> DynInfo:
    """Return the DynInfo of an open pyelftools ELFFile."""
    from elftools.elf.dynamic import DynamicSegment
    from elftools.elf.segments import InterpSegment

    needed: list[str] = []
    soname = rpath = runpath = interp = None
    flags_1 = 0
    for seg in elf.iter_segments():
        if isinstance(seg, InterpSegment):
            interp = seg.get_interp_name()
        elif isinstance(seg, DynamicSegment):
            for tag in seg.iter_tags():
                t = tag.entry.d_tag
                if t == "DT_NEEDED":
                    needed.append(tag.needed)
                elif t == "DT_SONAME":
                    soname = tag.soname
                elif t == "DT_RPATH":
                    rpath = tag.rpath
                elif t == "DT_RUNPATH":
                    runpath = tag.runpath
                elif t == "DT_FLAGS_1":
                    flags_1 = tag.entry.d_val
    return DynInfo(
        soname=soname,
        needed=tuple(needed),
        rpath=None if runpath is not None else rpath,  # get-dynamic-info.h drops RPATH
        runpath=runpath,
        nodeflib=bool(flags_1 & _DF_1_NODEFLIB),
        interp=interp,
    )


def has_dynamic_symbol(host: str, name: str, fs: HostFs) -> bool:
    """Return True when host defines name in .dynsym."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    try:
        with fs.open(host) as f:
            dynsym = ELFFile(f).get_section_by_name(".dynsym")
            if not isinstance(dynsym, SymbolTableSection):
                return False
            return any(s["st_shndx"] != "SHN_UNDEF" for s in dynsym.get_symbol_by_name(name) or ())
    except (ELFError, OSError, struct.error, ValueError):
        return False
