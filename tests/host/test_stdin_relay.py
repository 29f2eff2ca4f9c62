"""The stdin relay (loader/console.py): every kind of stdin reaches the port's socket whole.

A regular file goes by sendfile, a pipe by splice, anything else (here a
socket) by read and write; each must deliver the same bytes, in order, and
count them right, as the guest's end-of-input check relies on the count.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from loader.console import relay

DATA = os.urandom(3 << 20 | 12345)  # several calls' worth, not a whole number of pages


def drain(sock: socket.socket, out: list[bytes]) -> None:
    """Read SOCK to its end in 4 KiB reads, as QEMU's chardev does."""
    while chunk := sock.recv(4096):
        out.append(chunk)


@contextmanager
def source(kind: str, tmp_path: Path) -> Iterator[int]:
    """A descriptor giving DATA then its end: a regular file, a pipe or a socket."""
    if kind == "file":
        path = tmp_path / "in"
        path.write_bytes(DATA)
        fd = os.open(path, os.O_RDONLY)
        yield fd
        os.close(fd)
        return
    if kind == "pipe":
        r, w = os.pipe()
    else:
        a, b = socket.socketpair()
        r, w = a.detach(), b.detach()
    writer = threading.Thread(target=_write_all, args=(w,))
    writer.start()
    yield r
    writer.join()
    os.close(r)


def _write_all(fd: int) -> None:
    view = memoryview(DATA)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


@pytest.mark.parametrize("kind", ["file", "pipe", "socket"])
def test_relay_moves_every_byte(kind: str, tmp_path: Path) -> None:
    ours, theirs = socket.socketpair()
    got: list[bytes] = []
    reader = threading.Thread(target=drain, args=(theirs, got))
    reader.start()
    with source(kind, tmp_path) as fd:
        sent = relay(fd, ours)
    ours.close()
    reader.join()
    assert sent == len(DATA)
    assert b"".join(got) == DATA


def test_relay_stops_when_the_reader_goes(tmp_path: Path) -> None:
    """QEMU gone: the relay ends (no hang, no exception) having sent less than all."""
    ours, theirs = socket.socketpair()
    theirs.close()
    with source("file", tmp_path) as fd:
        assert relay(fd, ours) < len(DATA)
