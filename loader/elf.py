"""Facts about one ELF file, and whether pkgload can run it.

Reading is done by pyelftools (imported lazily: it costs ~40 ms, and a warm
`pkgload run` takes the facts from the image cache's index instead).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from loader.errors import ElfFormatError

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

ELF_MAGIC = b"\x7fELF"
DF_1_PIE = 0x08000000

# e_machine values users meet, named as `uname -m` would.
_MACHINE_NAMES = {
    "EM_386": "i386",
    "EM_ARM": "arm",
    "EM_AARCH64": "aarch64",
    "EM_RISCV": "riscv",
    "EM_PPC64": "ppc64",
    "EM_S390": "s390x",
    "EM_MIPS": "mips",
    "EM_LOONGARCH": "loongarch64",
}


@dataclass(frozen=True)
class ElfInfo:
    """What the host needs to know about one program file."""

    path: Path
    elfclass: int  # 32 or 64
    machine: str  # pyelftools' name, e.g. "EM_X86_64"
    elf_type: str  # "ET_EXEC", "ET_DYN", ...
    entry: int
    interpreter: str | None  # PT_INTERP, e.g. "/lib64/ld-linux-x86-64.so.2"
    is_pie: bool  # DF_1_PIE set, or ET_DYN with an interpreter
    has_soname: bool

    @property
    def is_static(self) -> bool:
        """True when the program has no interpreter (static or static-pie)."""
        return self.interpreter is None

    @property
    def is_dynamic(self) -> bool:
        """True when the program is loaded by an interpreter (ld.so)."""
        return self.interpreter is not None

    @property
    def is_static_pie(self) -> bool:
        """True for a position-independent program that relocates itself."""
        return self.elf_type == "ET_DYN" and self.interpreter is None and self.is_pie

    @property
    def kind(self) -> str:
        """Describe the linking in a word or two, for messages and reports."""
        if self.is_static_pie:
            return "static-pie"
        if self.is_static:
            return "static"
        return "dynamic-pie" if self.is_pie else "dynamic"


class ElfImage:
    """An open ELF file read through pyelftools; use it with `with`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream: BinaryIO = open(path, "rb")  # noqa: SIM115 (closed in close())
        self.size = os.fstat(self._stream.fileno()).st_size
        try:
            self.elf = _open_elffile(self._stream, path)
        except ElfFormatError:
            self.close()
            raise

    def __enter__(self) -> ElfImage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying file."""
        self._stream.close()

    def get_interpreter(self) -> str | None:
        """Return the PT_INTERP path, or None for a static program."""
        for seg in self.elf.iter_segments("PT_INTERP"):
            return seg.get_interp_name()
        return None

    def iter_dynamic_tags(self) -> list[tuple[str, int]]:
        """Return the (d_tag, d_val) pairs of the PT_DYNAMIC segment, if any."""
        for seg in self.elf.iter_segments("PT_DYNAMIC"):
            return [(t.entry.d_tag, t.entry.d_val) for t in seg.iter_tags()]
        return []

    def get_info(self) -> ElfInfo:
        """Return the facts about this file (reads the program headers)."""
        tags = self.iter_dynamic_tags()
        flags_1 = next((v for t, v in tags if t == "DT_FLAGS_1"), 0)
        interp = self.get_interpreter()
        is_dyn = self.elf["e_type"] == "ET_DYN"
        return ElfInfo(
            path=self.path,
            elfclass=self.elf.elfclass,
            machine=self.elf["e_machine"],
            elf_type=self.elf["e_type"],
            entry=self.elf["e_entry"],
            interpreter=interp,
            is_pie=bool(flags_1 & DF_1_PIE) or (is_dyn and interp is not None),
            has_soname=any(t == "DT_SONAME" for t, _ in tags),
        )


def _open_elffile(stream: BinaryIO, path: Path) -> ELFFile:
    """Parse the ELF header of stream; raise ElfFormatError naming path if we cannot."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    if stream.read(4) != ELF_MAGIC:
        raise ElfFormatError(f"{path}: not an ELF file")
    stream.seek(0)
    try:
        return ELFFile(stream)
    except ELFError as e:
        raise ElfFormatError(f"{path}: truncated or corrupt ELF file ({e})") from e


def check_runnable(path: str | os.PathLike[str]) -> ElfInfo:
    """Check that path is an x86-64 Linux program pkgload can run.

    Returns the ElfInfo of the file. Raises ElfFormatError with a one-line
    message naming the path for anything else: a missing path, a directory,
    a file that is not ELF, a truncated ELF, a 32-bit or foreign-machine ELF,
    a core dump, an object file or a shared library.
    """
    p = Path(path)
    _check_file(p)
    try:
        with ElfImage(p) as img:
            _check_header(img)
            _check_extents(img)
            info = img.get_info()
    except PermissionError as e:
        raise ElfFormatError(f"{p}: permission denied") from e
    except (*_parse_errors(), OSError) as e:  # OSError: a seek to a negative offset
        raise corrupt_elf_error(p, e) from e
    _check_program(info)
    return info


def _parse_errors() -> tuple[type[Exception], ...]:
    """What pyelftools raises on a malformed file it has opened (it asserts, too)."""
    import struct

    from elftools.common.exceptions import ELFError
    from elftools.construct.core import ConstructError

    return (ELFError, ConstructError, AssertionError, struct.error, ValueError, KeyError,
            IndexError, UnicodeDecodeError, OverflowError)


def corrupt_elf_error(p: Path, e: Exception) -> ElfFormatError:
    """The one-line refusal of a file pyelftools could not read."""
    detail = " ".join(str(e).split())[:120] or type(e).__name__
    return ElfFormatError(f"{p}: corrupt ELF file ({detail})")


def _check_file(p: Path) -> None:
    """Raise ElfFormatError unless p names an existing regular file."""
    try:
        st = p.stat()
    except FileNotFoundError as e:
        raise ElfFormatError(f"{p}: no such file") from e
    except NotADirectoryError as e:
        raise ElfFormatError(f"{p}: no such file (a parent is not a directory)") from e
    except PermissionError as e:
        raise ElfFormatError(f"{p}: permission denied") from e
    if stat.S_ISDIR(st.st_mode):
        raise ElfFormatError(f"{p}: is a directory, expected a program file")
    if not stat.S_ISREG(st.st_mode):
        raise ElfFormatError(f"{p}: not a regular file, expected a program file")


def _check_header(img: ElfImage) -> None:
    """Raise ElfFormatError unless the header says x86-64, little-endian, a program."""
    elf, p = img.elf, img.path
    if elf.elfclass != 64:
        raise ElfFormatError(f"{p}: 32-bit ELF, pkgload runs only 64-bit x86-64 programs")
    machine = elf["e_machine"]
    if machine != "EM_X86_64" or not elf.little_endian:
        name = _MACHINE_NAMES.get(machine, machine)
        raise ElfFormatError(f"{p}: ELF for {name}, pkgload runs only x86-64 programs")
    etype = elf["e_type"]
    if etype == "ET_CORE":
        raise ElfFormatError(f"{p}: core dump, not a program")
    if etype == "ET_REL":
        raise ElfFormatError(f"{p}: relocatable object file, link it into a program first")
    if etype not in ("ET_EXEC", "ET_DYN"):
        raise ElfFormatError(f"{p}: ELF of type {etype}, not a program")


def _check_extents(img: ElfImage) -> None:
    """Raise ElfFormatError when the headers or segments point past the end of the file."""
    from elftools.common.exceptions import ELFError

    elf, p, size = img.elf, img.path, img.size
    need = max(
        elf["e_phoff"] + elf["e_phnum"] * elf["e_phentsize"],
        elf["e_shoff"] + elf["e_shnum"] * elf["e_shentsize"],
    )
    if need > size:  # before reading the program headers from where they are not
        raise ElfFormatError(f"{p}: truncated ELF file ({size} bytes, headers need {need})")
    try:
        segs = [(s["p_type"], s["p_offset"] + s["p_filesz"]) for s in elf.iter_segments()]
    except ELFError as e:
        raise ElfFormatError(f"{p}: truncated or corrupt ELF file ({e})") from e
    need = max([need] + [end for _, end in segs])
    if need > size:
        raise ElfFormatError(f"{p}: truncated ELF file ({size} bytes, headers need {need})")
    if not any(t == "PT_LOAD" for t, _ in segs):
        raise ElfFormatError(f"{p}: ELF with no loadable segment, not a program")


def _check_program(info: ElfInfo) -> None:
    """Raise ElfFormatError for a shared library given as a program."""
    if info.elf_type == "ET_DYN" and info.is_static and not info.is_pie and info.has_soname:
        raise ElfFormatError(f"{info.path}: shared library, not a program")
