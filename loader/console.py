"""The host's end of the guest's console: stdin, control messages, signals.

The guest's virtio-console has a port for the program's stdin and one for
pkgload's control messages (docs/boot-protocol.md, "The console"); QEMU
reads each from a socket whose other end is here. StdinRelay copies our
stdin to the first and says on the second how many bytes it sent in all
when stdin ends; ControlChannel sends the messages; SignalForwarder passes
SIGINT, SIGTERM and the other terminal signals sent to pkgload on to the
program, and stops the VM hard when the program does not end.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import socket
import stat
import struct
import threading
from collections.abc import Callable
from types import TracebackType

from loader import terminal

# Control messages: type, arg, value; little-endian, 16 bytes (kernel/fs/console.c).
_MESSAGE = struct.Struct("<IIQ")
MSG_EOF = 1  # value: the bytes of stdin sent in all
MSG_ACK = 2  # the terminal modes the kernel reported are applied
MSG_SIGNAL = 3  # arg: the signal; value: 1 when the terminal generated it
MSG_WINSIZE = 4  # arg: rows << 16 | columns
MSG_CLOSED = 5  # arg: our fd 1 or 2, a pipe whose reader is gone

# How long the program has to end after SIGTERM before the VM is stopped.
TERM_GRACE_S = 10.0
# Signals pkgload passes on: the terminal's (^C, ^\, ^Z, hangup, a resize)
# and the polite request to end.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGTSTP, signal.SIGHUP,
             signal.SIGWINCH)
# SIGTTOU blocked too: QEMU, in a process group of its own, inherits the
# mask, and a blocked SIGTTOU lets it write to a TOSTOP terminal instead of
# being stopped for writing from the background.
_BLOCKED = (*FORWARDED, signal.SIGTTOU)
_WAKE = signal.SIGRTMIN + 1  # ends the forwarder's wait
SI_KERNEL = 0x80  # si_code of a signal the kernel made (a terminal's ^C)


def encode_message(kind: int, arg: int = 0, value: int = 0) -> bytes:
    """Return one control message."""
    return _MESSAGE.pack(kind, arg, value)


def decode_message(data: bytes) -> tuple[int, int, int]:
    """Return (kind, arg, value) of one 16-byte control message."""
    kind, arg, value = _MESSAGE.unpack(data)
    return kind, arg, value


class ControlChannel:
    """Our end of the control port's socket; send() may be called from any thread."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._broken = False

    def send(self, kind: int, arg: int = 0, value: int = 0) -> None:
        """Send one message; once QEMU is gone, do nothing."""
        with self._lock:
            if self._broken:
                return
            try:
                self._sock.sendall(encode_message(kind, arg, value))
            except OSError:  # QEMU is gone (EPIPE)
                self._broken = True

    def send_winsize(self) -> None:
        """Send the host terminal's size, when there is one."""
        size = terminal.get_winsize()
        if size:
            self.send(MSG_WINSIZE, min(size[0], 0xFFFF) << 16 | min(size[1], 0xFFFF))

    def close(self) -> None:
        with self._lock:
            self._broken = True
            self._sock.close()


class StdinRelay(threading.Thread):
    """Copy our stdin to the stdin port's socket; at its end, say how much was sent.

    The guest reads the port only once the program reads stdin, and QEMU
    reads the socket only as the guest has room: what the program does not
    read stays in the socket's buffer and in ours (docs/host.md). A regular
    file goes to the socket with sendfile and a pipe with splice, in the
    kernel, with no copy through us; anything else (a terminal, a socket,
    a device) with read and write.
    """

    def __init__(self, sock: socket.socket, control: ControlChannel) -> None:
        super().__init__(name="pkgload-stdin", daemon=True)
        self._sock = sock
        self._control = control

    def run(self) -> None:
        self._control.send(MSG_EOF, value=relay(0, self._sock))

    def close(self) -> None:
        """Close the socket (once QEMU has ended)."""
        self._sock.close()


READ_CHUNK = 65536  # bytes per read() of a stdin that cannot be spliced
# Bytes per sendfile/splice call. Only what the socket takes leaves our
# stdin (the file's offset moves by it; the pipe keeps the rest), so a
# bigger call consumes no more of an input the program does not read.
SPLICE_CHUNK = 1 << 20
# What sendfile or splice says when the files cannot do it: then read/write.
_NOT_SPLICEABLE = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ESPIPE)


def relay(src: int, sock: socket.socket) -> int:
    """Move what the descriptor SRC gives to SOCK until SRC ends or fails, or SOCK's reader goes.

    Returns the bytes sent.
    """
    sent, ended = _relay_in_kernel(src, sock.fileno())
    if not ended:
        sent += _relay_by_copy(src, sock)
    return sent


def _relay_in_kernel(src: int, dst: int) -> tuple[int, bool]:
    """Move SRC to the socket DST with sendfile or splice, copying nothing through us.

    Returns the bytes moved and whether SRC has ended (or failed, or QEMU
    is gone); False when SRC is neither a regular file nor a pipe, or the
    kernel refuses before the first byte: read/write goes on from there.
    """
    try:
        mode = os.fstat(src).st_mode
    except OSError:  # no stdin: the read fails as its end
        return 0, False
    if stat.S_ISREG(mode):
        def move() -> int:
            return os.sendfile(dst, src, None, SPLICE_CHUNK)
    elif stat.S_ISFIFO(mode):
        def move() -> int:
            return os.splice(src, dst, SPLICE_CHUNK)
    else:
        return 0, False
    sent = 0
    try:
        while n := move():
            sent += n
    except OSError as e:
        if sent == 0 and e.errno in _NOT_SPLICEABLE:
            return 0, False
    return sent, True


def _relay_by_copy(src: int, sock: socket.socket) -> int:
    """Copy SRC to SOCK through a buffer until SRC ends or fails; return the bytes sent."""
    sent = 0
    try:
        while data := os.read(src, READ_CHUNK):
            sock.sendall(data)
            sent += len(data)
    except OSError:  # stdin failed (its end, for us), or QEMU is gone
        pass
    return sent


class OutputWatch(threading.Thread):
    """Tell the guest when our stdout or stderr is a pipe whose reader is gone.

    QEMU does not: its port keeps the bytes it could not write and tries
    again for ever. Told, the kernel fails the program's writes with EPIPE
    and sends it SIGPIPE, as a pipe would (`pkgload run yes | head`). A
    closed pipe's write end polls as POLLERR, whatever is asked for.
    """

    def __init__(self, control: ControlChannel) -> None:
        super().__init__(name="pkgload-outputs", daemon=True)
        self._control = control
        self._wake_r, self._wake_w = os.pipe()

    def run(self) -> None:
        poller = select.poll()
        watched = [fd for fd in (1, 2) if _is_pipe(fd)]
        for fd in watched:
            poller.register(fd, 0)
        poller.register(self._wake_r, select.POLLIN)
        while watched:
            for fd, events in poller.poll():
                if fd == self._wake_r:
                    return
                if fd in watched and events & (select.POLLERR | select.POLLHUP):
                    poller.unregister(fd)
                    watched.remove(fd)
                    self._control.send(MSG_CLOSED, fd)

    def stop(self) -> None:
        """End the thread (the VM has ended)."""
        os.write(self._wake_w, b"x")
        self.join()
        os.close(self._wake_r)
        os.close(self._wake_w)


def _is_pipe(fd: int) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False


class SignalForwarder:
    """Pass the FORWARDED signals sent to pkgload on to the program while the VM runs.

    A context manager: entered, it blocks those signals in the calling
    thread, which threads started later (and QEMU) inherit, and waits for
    them in a thread of its own with sigwaitinfo, which also tells a
    terminal's signal (SI_KERNEL) from one sent with kill. Enter it before
    starting any other thread. SIGINT and SIGTERM are passed on once; a
    second SIGINT, or a program still running TERM_GRACE_S after SIGTERM,
    calls stop(128 + N), which should kill the VM; stopped_status then says
    with what status pkgload should exit.
    """

    def __init__(self, control: ControlChannel, stop: Callable[[int], None],
                 grace_s: float = TERM_GRACE_S) -> None:
        self._control = control
        self._stop = stop
        self._grace_s = grace_s
        self._thread = threading.Thread(target=self._run, name="pkgload-signals", daemon=True)
        self._done = False
        self._interrupts = 0
        self._timer: threading.Timer | None = None
        self._old_mask: set[signal.Signals] = set()
        self.stopped_status: int | None = None

    def __enter__(self) -> SignalForwarder:
        self._old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, (*_BLOCKED, _WAKE))
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done = True
        signal.pthread_kill(self._thread.ident or 0, _WAKE)
        self._thread.join()
        if self._timer:
            self._timer.cancel()
        while signal.sigtimedwait((*_BLOCKED, _WAKE), 0):  # signals that came too late
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, self._old_mask)

    def _run(self) -> None:
        while not self._done:
            info = signal.sigwaitinfo((*FORWARDED, _WAKE))
            if info.si_signo != _WAKE and not self._done:
                self._forward(signal.Signals(info.si_signo), info.si_code == SI_KERNEL)

    def _forward(self, sig: signal.Signals, from_terminal: bool) -> None:
        if sig == signal.SIGWINCH:
            self._control.send_winsize()
            return
        if sig == signal.SIGINT:
            self._interrupts += 1
            if self._interrupts > 1:
                self._hard_stop(128 + sig)
                return
        self._control.send(MSG_SIGNAL, sig, 1 if from_terminal else 0)
        if sig == signal.SIGTERM and self._timer is None:
            self._timer = threading.Timer(self._grace_s, self._hard_stop, (128 + sig,))
            self._timer.daemon = True
            self._timer.start()

    def _hard_stop(self, status: int) -> None:
        if self.stopped_status is None:
            self.stopped_status = status
            self._stop(status)
