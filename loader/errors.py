"""The one error hierarchy of the host tools.

Every expected failure is a PkgloadError whose str() is one line: subject
first, then what is wrong and what to do, no trailing period. The CLI shows
it as such; anything else is a bug and keeps its traceback.
"""


class PkgloadError(Exception):
    """Expected failure; the CLI shows str(e) as one line."""


class ElfFormatError(PkgloadError):
    """The program file is missing, not an ELF, or not one we can run."""


class UnsupportedProgram(ElfFormatError):
    """A valid x86-64 program that pkgload cannot run yet (dynamically linked)."""


class ScriptError(ElfFormatError):
    """A `#!` script that cannot run: not executable, or its interpreter cannot be run."""


class ProgramNotFound(ElfFormatError):
    """A program named for the image (--with NAME) is not on the host's PATH."""


class KernelNotFound(PkgloadError):
    """The guest kernel image is not where we looked."""


class QemuNotFound(PkgloadError):
    """qemu-system-x86_64 is not installed or not on PATH."""


class ImageError(PkgloadError):
    """The root filesystem image or the manifest could not be built."""


class HintError(PkgloadError):
    """A hint file (loader/hints/*.toml) is malformed: the message names the file and key."""


class VmError(PkgloadError):
    """The VM failed: QEMU crashed, the kernel panicked or left no exit record.

    details holds lines worth showing above the one-line message, such as
    the kernel's panic report; it may be empty.
    """

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class MissingLibrary(PkgloadError):
    """A shared library the program needs cannot be found."""


class QmpError(PkgloadError):
    """Talking to QEMU over QMP failed."""


class MemoryTooSmall(PkgloadError):
    """-m is below what the kernel, the boot data and the program's image need."""
