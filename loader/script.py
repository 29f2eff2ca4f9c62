"""`#!` scripts as Linux's binfmt_script runs them: which ELF file starts, with what argv.

The first line names an interpreter and at most one argument (everything
after the first space or tab, trimmed, spaces inside kept), read from the
first 256 bytes exactly as Linux 6.1's fs/binfmt_script.c does. Linux then
runs the interpreter with argv [interpreter, argument if any, the script's
path, the script's argv[1:]]; an interpreter may itself be a script, up to
MAX_SCRIPTS deep. Until the guest kernel runs scripts itself, the host starts
the last interpreter, the ELF file, with the argv that chain gives
(docs/host.md, "Scripts"). Files are read through a HostFs, so that a plan
computed from a script records the script and its interpreters.
"""

from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass

from loader.errors import ScriptError
from loader.hostfs import HostFs

BINPRM_BUF_SIZE = 256  # what Linux reads of a file to decide how to run it
# A script, its interpreter if that is a script too, and so on: Linux's
# exec_binprm runs at most six handlers, the last of which must load an ELF.
MAX_SCRIPTS = 5
ELF_MAGIC = b"\x7fELF"
_SPACETAB = b" \t"


@dataclass(frozen=True)
class Shebang:
    """The interpreter a script's `#!` line names, and its one optional argument."""

    interpreter: str
    arg: str | None


@dataclass(frozen=True)
class Launch:
    """How the VM starts PROGRAM: the ELF file to load and, for a script, its argv."""

    boot: str  # host path of the ELF file to load (PROGRAM itself, or the last interpreter)
    argv_prefix: tuple[str, ...] | None = None  # a script's argv before PROGRAM's arguments
    scripts: tuple[str, ...] = ()  # absolute host paths of the scripts on the way, PROGRAM's first
    interpreters: tuple[str, ...] = ()  # absolute host paths of each interpreter, as named
    env_names: tuple[str, ...] = ()  # NAME of an `#!/usr/bin/env NAME` line: env finds it on PATH

    @property
    def is_script(self) -> bool:
        """True when PROGRAM is a `#!` script."""
        return self.argv_prefix is not None

    def to_json(self) -> list[object]:
        """Return the launch as JSON values."""
        return [self.boot, self.argv_prefix and list(self.argv_prefix), list(self.scripts),
                list(self.interpreters), list(self.env_names)]

    @classmethod
    def from_json(cls, row: list[object]) -> Launch:
        """Return the Launch of a to_json() row."""
        boot, prefix, scripts, interps, names = row
        return cls(str(boot), None if prefix is None else tuple(prefix),  # type: ignore[arg-type]
                   tuple(scripts), tuple(interps), tuple(names))  # type: ignore[arg-type]


def parse_shebang(head: bytes) -> Shebang | None:
    """Return the interpreter and argument of a `#!` line, None when head is not a script.

    head is the file's first bytes (BINPRM_BUF_SIZE are looked at). Raises
    ValueError, saying why, for a line Linux refuses with ENOEXEC: no
    interpreter named, or a name that runs past the 256 bytes read.
    """
    buf = head[:BINPRM_BUF_SIZE].ljust(BINPRM_BUF_SIZE, b"\0")
    if buf[:2] != b"#!":
        return None
    last = BINPRM_BUF_SIZE - 1
    end = _strnchr_newline(buf)
    if end is None:  # no newline before a NUL or the buffer's end
        first = _next_non_spacetab(buf, 2, last)
        if first is None:
            raise ValueError("no interpreter named on its #! line")
        if _next_terminator(buf, first, last) is None:
            raise ValueError(f"its #! line is longer than the {BINPRM_BUF_SIZE} bytes Linux reads")
        end = last
    while buf[end - 1] in _SPACETAB:
        end -= 1
    name = _next_non_spacetab(buf, 2, end)
    if name is None or name == end:
        raise ValueError("no interpreter named on its #! line")
    sep = _next_terminator(buf, name, end)
    arg = _next_non_spacetab(buf, sep, end) if sep is not None and buf[sep] != 0 else None
    line = bytearray(buf)
    line[end] = 0
    if sep is not None:
        line[sep] = 0
    return Shebang(_c_string(line, name), None if arg is None else _c_string(line, arg))


def _strnchr_newline(buf: bytes) -> int | None:
    """Return the index of the first newline before any NUL, as Linux's strnchr."""
    for i, c in enumerate(buf):
        if c == 0:
            return None
        if c == 0x0A:
            return i
    return None


def _next_non_spacetab(buf: bytes, first: int, last: int) -> int | None:
    """Return the first index in [first, last] that is not a space or tab."""
    return next((i for i in range(first, last + 1) if buf[i] not in _SPACETAB), None)


def _next_terminator(buf: bytes, first: int, last: int) -> int | None:
    """Return the first index in [first, last] holding a space, a tab or a NUL."""
    return next((i for i in range(first, last + 1) if buf[i] in _SPACETAB or buf[i] == 0), None)


def _c_string(buf: bytearray, start: int) -> str:
    """Return the NUL-terminated string at start, decoded as a file name."""
    return os.fsdecode(bytes(buf[start:buf.index(0, start)]))


def resolve_launch(program: str, fs: HostFs, guest_path: str | None = None) -> Launch:
    """Return how the VM starts program: itself when it is not a script, else its interpreter.

    guest_path is where the script is in the image (default: its real path);
    the interpreter gets it as the script's name. A file that cannot be read
    is returned as its own boot file: the ELF check then says what is wrong.
    Raises ScriptError for a script or interpreter that cannot run (not
    executable, missing, neither ELF nor script, too many levels).
    """
    path = posixpath.normpath(fs.absolute(program, fs.cwd()))
    head = _read_head(path, fs)
    shebang = _parse(head, program) if head is not None else None
    if shebang is None:
        return Launch(program)
    _check_executable(path, fs, program, "")
    filename = guest_path or _real_path(path, fs)
    argv, scripts, interps, names = [filename], [path], [], []
    while shebang is not None:
        if len(scripts) > MAX_SCRIPTS:
            raise ScriptError(f"{program}: more than {MAX_SCRIPTS} levels of #! interpreters")
        interp = posixpath.normpath(fs.absolute(shebang.interpreter, fs.cwd()))
        argv = [shebang.interpreter, *([shebang.arg] if shebang.arg is not None else []),
                filename, *argv[1:]]
        filename = shebang.interpreter
        interps.append(interp)
        if posixpath.basename(interp) == "env" and shebang.arg and not shebang.arg.startswith("-"):
            names.append(shebang.arg)
        shebang = _next_interpreter(interp, fs, program, shebang.interpreter)
        if shebang is not None:
            scripts.append(interp)
    return Launch(interps[-1], tuple(argv), tuple(scripts), tuple(interps), tuple(names))


def _next_interpreter(interp: str, fs: HostFs, program: str, named: str) -> Shebang | None:
    """Check one interpreter; return its own #! line when it is a script, None when it is ELF."""
    head = _read_head(interp, fs)
    if head is None:
        raise ScriptError(f"{program}: interpreter {named} not found")
    _check_executable(interp, fs, program, f"interpreter {named} ")
    if head[:4] == ELF_MAGIC:
        return None
    shebang = _parse(head, f"{program}: interpreter {named}")
    if shebang is None:
        raise ScriptError(f"{program}: interpreter {named} is neither an ELF program nor a script")
    return shebang


def _read_head(path: str, fs: HostFs) -> bytes | None:
    """Return the first bytes of the regular file path, None when it is not one or unreadable."""
    if not fs.is_file(path):
        return None
    try:
        return fs.read(path, BINPRM_BUF_SIZE)
    except OSError:
        return None


def _parse(head: bytes, shown: str) -> Shebang | None:
    """parse_shebang, its refusal raised as a ScriptError naming shown."""
    try:
        return parse_shebang(head)
    except ValueError as e:
        raise ScriptError(f"{shown}: {e}") from e


def _check_executable(path: str, fs: HostFs, program: str, what: str) -> None:
    """Raise ScriptError unless path has an execute bit, the least execve needs (root's rule)."""
    st = fs.stat(path)
    if st is not None and st.st_mode & 0o111:
        return
    mode = f"mode {stat.S_IMODE(st.st_mode):04o}" if st is not None else "unreadable"
    subject = f"{program}: {what}" if what else f"{program}: "
    raise ScriptError(f"{subject}not executable ({mode}), chmod +x it")


def _real_path(path: str, fs: HostFs) -> str:
    """Return path with every symlink resolved, each crossed recorded in fs's trace."""
    from loader.deps.closure import resolve_symlinks  # resolves as the guest kernel will

    return resolve_symlinks("/", path, fs)[0]
