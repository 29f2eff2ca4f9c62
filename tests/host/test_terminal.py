"""loader.terminal: the guest's `tty: set` lines applied to a real (pseudo) terminal."""

from __future__ import annotations

import os
import pty
import termios
from collections.abc import Iterator

import pytest

from loader.terminal import TerminalMirror, encode_modes, open_mirror, parse_set_line


@pytest.fixture
def terminal() -> Iterator[int]:
    controller, fd = pty.openpty()
    yield fd
    os.close(fd)
    os.close(controller)


def set_line(when: str, iflag: int, oflag: int, cflag: int, lflag: int, cc: list[int]) -> bytes:
    return f"tty: set {when} {iflag:x} {oflag:x} {cflag:x} {lflag:x} {','.join(f'{c:x}' for c in cc)}\n".encode()


def test_encode_then_parse_round_trips(terminal: int) -> None:
    iflag, oflag, cflag, lflag = (int(f, 16) for f in encode_modes(terminal).split()[:4])
    chars = [int(c, 16) for c in encode_modes(terminal).split()[4].split(",")]
    parsed = parse_set_line(set_line("drain", iflag, oflag, cflag, lflag, chars).rstrip())
    assert parsed == (termios.TCSADRAIN, [iflag, oflag, cflag, lflag], chars)


@pytest.mark.parametrize("line", [b"tty: set soon 1 2 3 4 0", b"tty: set now 1 2 3", b"tty: set now x 2 3 4 " +
                                  b",".join([b"0"] * 19), b"boot: entry-to-user 5 us"])
def test_malformed_lines_are_ignored(line: bytes) -> None:
    assert parse_set_line(line) is None


def test_mirror_applies_lines_split_across_chunks_then_restores(terminal: int) -> None:
    before = termios.tcgetattr(terminal)
    mirror = TerminalMirror(terminal)
    raw_lflag = before[3] & ~(termios.ECHO | termios.ICANON)
    cc = [b[0] if isinstance(b, bytes) else b for b in before[6][:19]]
    cc[termios.VMIN], cc[termios.VTIME] = 1, 0
    line = set_line("now", before[0], before[1], before[2], raw_lflag, cc)
    mirror.feed(b"boot: something\n" + line[:10])
    assert termios.tcgetattr(terminal)[3] == before[3]   # not a whole line yet
    mirror.feed(line[10:])
    assert termios.tcgetattr(terminal)[3] == raw_lflag
    mirror.restore()
    assert termios.tcgetattr(terminal) == before


def test_no_mirror_without_a_terminal() -> None:
    read_end, write_end = os.pipe()
    try:
        assert open_mirror(read_end) is None
    finally:
        os.close(read_end)
        os.close(write_end)


def test_every_set_line_is_acknowledged_even_a_bad_one(terminal: int) -> None:
    mirror = TerminalMirror(terminal)
    acks: list[int] = []
    mirror.on_applied = lambda: acks.append(1)
    before = termios.tcgetattr(terminal)
    cc = [b[0] if isinstance(b, bytes) else b for b in before[6][:19]]
    mirror.feed(set_line("now", before[0], before[1], before[2], before[3], cc) + b"tty: set garbage\n"
                + b"console: input ready\n")
    assert len(acks) == 2   # a kernel waiting for an acknowledgement must get one
