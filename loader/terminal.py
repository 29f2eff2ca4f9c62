"""The host terminal as the guest program's terminal (docs/boot-protocol.md).

A program on a terminal changes its modes (readline turns echo and line
editing off to do its own); the guest kernel says so in its log with a
`tty: set` line, and the host applies the same modes to its real terminal,
so that what the user sees is what the program asked for. The terminal's
modes at the start go to the guest in the manifest, and are put back when
the run ends, however it ends.
"""

from __future__ import annotations

import os
import termios
from collections.abc import Callable
from typing import Any

TTY_SET = b"tty: set "
KERNEL_NCCS = 19  # the kernel's struct termios has 19 control characters (glibc's 32)
WHEN = {b"now": termios.TCSANOW, b"drain": termios.TCSADRAIN, b"flush": termios.TCSAFLUSH}


def encode_modes(fd: int) -> str | None:
    """Return fd's terminal modes for the manifest ("IFLAG OFLAG CFLAG LFLAG CC,CC,..." in hex), or None."""
    try:
        iflag, oflag, cflag, lflag, _, _, cc = termios.tcgetattr(fd)
    except termios.error:
        return None
    chars = ",".join(f"{_cc_value(c):x}" for c in cc[:KERNEL_NCCS])
    return f"{iflag:x} {oflag:x} {cflag:x} {lflag:x} {chars}"


def _cc_value(c: Any) -> int:
    return c if isinstance(c, int) else c[0]


def parse_set_line(line: bytes) -> tuple[int, list[int], list[int]] | None:
    """Parse `tty: set WHEN IFLAG OFLAG CFLAG LFLAG CC,...`; None when it is not one."""
    if not line.startswith(TTY_SET):
        return None
    fields = line[len(TTY_SET):].split()
    try:
        when = WHEN[fields[0]]
        flags = [int(f, 16) for f in fields[1:5]]
        chars = [int(c, 16) for c in fields[5].split(b",")]
    except (KeyError, IndexError, ValueError):
        return None
    if len(flags) != 4 or len(chars) != KERNEL_NCCS or not all(0 <= c < 256 for c in chars):
        return None
    return when, flags, chars


class TerminalMirror:
    """Applies the guest's terminal modes to the host terminal fd; restore() puts the first ones back.

    After each `tty: set` line it calls on_applied (the kernel waits for that
    acknowledgement), even when the line could not be applied: a kernel left
    waiting would hang the program.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        try:
            self.saved: list[Any] | None = termios.tcgetattr(fd)
        except termios.error:
            self.saved = None
        self.on_applied: Callable[[], None] = lambda: None
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        """Take a chunk of the kernel log; apply every complete `tty: set` line in it."""
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if not line.startswith(TTY_SET):
                continue
            parsed = parse_set_line(line)
            if parsed and self.saved is not None:
                self._apply(*parsed)
            self.on_applied()

    def _apply(self, when: int, flags: list[int], chars: list[int]) -> None:
        attrs = termios.tcgetattr(self.fd)
        attrs[0:4] = flags
        cc = list(attrs[6])
        for i, value in enumerate(chars):
            cc[i] = value if i in (termios.VMIN, termios.VTIME) else bytes([value])
        attrs[6] = cc
        try:
            termios.tcsetattr(self.fd, when, attrs)
        except termios.error:
            pass  # the terminal went away: nothing to mirror to

    def restore(self) -> None:
        """Put back the modes the terminal had when the run began."""
        if self.saved is None:
            return
        try:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
        except termios.error:
            pass


def get_winsize() -> tuple[int, int] | None:
    """Return (rows, columns) of the first of our fds 1, 0, 2 that is a terminal, or None."""
    for fd in (1, 0, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        if size.lines and size.columns:
            return size.lines, size.columns
    return None


def open_mirror(fd: int = 0) -> TerminalMirror | None:
    """Return a mirror for fd when it is a terminal we can drive, else None."""
    if not os.isatty(fd):
        return None
    try:
        return TerminalMirror(fd)
    except termios.error:
        return None
