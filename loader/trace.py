"""`pkgload run --trace`: decode the kernel's per-syscall records into strace-like lines.

The kernel (syscalls/trace.c) logs one line per syscall when the manifest's
TRACE flag is set:

    trace: PID TID NR RET US FLAGS ARG... [IDX=HEX | IDX~HEX]...

numbers in hex; RET is the result as an unsigned 64-bit word; US the time of
the call in microseconds since boot; FLAGS 1 a stub rule answered, 2 no
handler (missing), 4 logged before a call that does not return (exit); one
ARG per parameter of the handler's signature in syscalls/table.tsv (six for a
missing call); then the bytes the kernel copied for the arguments that
loader/trace_spec.py names (`~`: the argument held more). This module turns
them into lines such as

    [pid 2] 0.013044 openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
    [pid 2/3] 0.020111 futex(0x7f10, FUTEX_WAIT_PRIVATE, 2, NULL) = -1 EAGAIN (...)

Sizes print in decimal and pointers in hex, as strace prints them, so a
trace can be compared with strace's text.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loader import trace_names as tn
from loader.trace_spec import Param, get_spec, parse_params

TABLE_TSV = Path(__file__).resolve().parent.parent / "syscalls" / "table.tsv"
PREFIX = b"trace: "
STUBBED, MISSING, NORETURN = 1, 2, 4
_RECORD = re.compile(rb"^trace: ([0-9a-f]+(?: [0-9a-f]+)*)((?: \d[=~][0-9a-f]*)*)$")
_POINTER_RESULTS = {"mmap", "brk", "mremap", "shmat"}


@dataclass(frozen=True)
class TraceRecord:
    """One syscall as the kernel logged it."""

    pid: int
    tid: int
    nr: int
    ret: int  # signed
    time_us: int
    flags: int
    args: tuple[int, ...]
    blobs: dict[int, tuple[bytes, bool]] = field(default_factory=dict)  # arg -> (bytes, cut)


@dataclass(frozen=True)
class CallInfo:
    """What the host knows of a syscall number: its row in table.tsv."""

    name: str
    status: str
    params: tuple[Param, ...]
    spec: str


def parse_record(line: bytes) -> TraceRecord | None:
    """Return the record of one kernel log line (without its newline), or None if it is none."""
    m = _RECORD.match(line.rstrip(b"\r"))
    if not m:
        return None
    nums = [int(x, 16) for x in m.group(1).split()]
    if len(nums) < 6:
        return None
    blobs = {}
    for token in m.group(2).split():
        blobs[int(token[:1])] = (bytes.fromhex(token[2:].decode()), token[1:2] == b"~")
    ret = nums[3] - (1 << 64) if nums[3] >= 1 << 63 else nums[3]
    return TraceRecord(nums[0], nums[1], nums[2], ret, nums[4], nums[5], tuple(nums[6:]), blobs)


@functools.cache
def get_calls(path: Path = TABLE_TSV) -> dict[int, CallInfo]:
    """Return every syscall of table.tsv by number, with its parameters and capture spec."""
    calls = {}
    for line in path.read_text().splitlines():
        f = line.split("\t")
        if len(f) < 6 or not f[0].isdigit():
            continue
        calls[int(f[0])] = CallInfo(f[1], f[2], tuple(parse_params(f[5])), get_spec(f[5]))
    return calls


def quote(data: bytes, cut: bool) -> str:
    """Return data as strace shows a string: C escapes, octal for other bytes, "..." when cut."""
    out = []
    for i, b in enumerate(data):
        c = chr(b)
        if c in "\"\\":
            out.append("\\" + c)
        elif c in "\n\t\r\v\f":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r", "\v": "\\v", "\f": "\\f"}[c])
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            digit_next = i + 1 < len(data) and 0x30 <= data[i + 1] <= 0x37
            out.append(f"\\{b:03o}" if digit_next else f"\\{b:o}")
    return '"' + "".join(out) + '"' + ("..." if cut else "")


def _int32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _pointer(v: int) -> str:
    return "NULL" if v == 0 else hex(v)


def _fd(v: int) -> str:
    v = _int32(v)
    return "AT_FDCWD" if v == tn.AT_FDCWD else str(v)


def _signal(v: int) -> str:
    return tn.signal_names().get(_int32(v), str(_int32(v)))


def _open_flags(v: int) -> str:
    acc = ("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[v & 3]
    rest = tn.format_bits(v & ~3, tn.open_flags())
    return acc if rest == "0" else f"{acc}|{rest}"


def _mode(v: int) -> str:
    return f"0{v & 0o7777:o}" if v & 0o7777 else "000"


def _mmap_flags(v: int) -> str:
    kind = {1: "MAP_SHARED", 2: "MAP_PRIVATE", 3: "MAP_SHARED_VALIDATE"}.get(v & 3, "0")
    rest = tn.format_bits(v & ~3, tn.mmap_flags())
    return kind if rest == "0" else f"{kind}|{rest}"


def _clone_flags(v: int) -> str:
    sig = v & 0xFF
    bits = tn.format_bits(v & ~0xFF, tn.CLONE_FLAGS)
    if not sig:
        return bits
    return _signal(sig) if bits == "0" else f"{bits}|{_signal(sig)}"


def _futex_op(v: int) -> str:
    name = tn.FUTEX_OPS.get(v & 0x7F, str(v & 0x7F))
    name += "_PRIVATE" if v & tn.FUTEX_PRIVATE else ""
    return name + ("|FUTEX_CLOCK_REALTIME" if v & tn.FUTEX_CLOCK_REALTIME else "")


def _access_mode(v: int) -> str:
    return tn.format_bits(v, {"R_OK": 4, "W_OK": 2, "X_OK": 1}) if v else "F_OK"


def _socket_type(v: int) -> str:
    base = tn.socket_types().get(v & 0xF, str(v & 0xF))
    extra = tn.format_bits(v & ~0xF, {"SOCK_CLOEXEC": 0o2000000, "SOCK_NONBLOCK": 0o4000})
    return base if extra == "0" else f"{base}|{extra}"


def _named(table: Callable[[], dict[int, str]] | dict[int, str]) -> Callable[[int], str]:
    def show(v: int) -> str:
        names = table() if callable(table) else table
        return names.get(_int32(v), hex(v) if v > 0xFFFF else str(_int32(v)))
    return show


_Decoder = Callable[[int], str]
_AT_FLAGS: _Decoder = lambda v: tn.format_bits(v, tn.AT_FLAGS)  # noqa: E731
_PROT: _Decoder = lambda v: tn.format_bits(v, tn.mmap_prot()) if v else "PROT_NONE"  # noqa: E731
_OFFSET: _Decoder = lambda v: hex(v) if v else "0"  # noqa: E731
_SEEK = {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}

# Per syscall, the arguments whose value has names: index -> decoder.
DECODERS: dict[str, dict[int, _Decoder]] = {
    "open": {1: _open_flags, 2: _mode}, "openat": {2: _open_flags, 3: _mode}, "creat": {1: _mode},
    "mkdir": {1: _mode}, "mkdirat": {2: _mode}, "chmod": {1: _mode}, "fchmod": {1: _mode},
    "fchmodat": {2: _mode}, "umask": {0: _mode},
    "access": {1: _access_mode}, "faccessat": {2: _access_mode},
    "faccessat2": {2: _access_mode, 3: lambda v: tn.format_bits(v, tn.AT_EACCESS)},
    "newfstatat": {3: _AT_FLAGS}, "statx": {2: _AT_FLAGS},
    "unlinkat": {2: lambda v: tn.format_bits(v, tn.AT_REMOVEDIR)},
    "fchownat": {4: _AT_FLAGS}, "linkat": {4: _AT_FLAGS}, "utimensat": {3: _AT_FLAGS},
    "execveat": {4: _AT_FLAGS},
    "mmap": {2: _PROT, 3: _mmap_flags, 4: lambda v: str(_int32(v)), 5: _OFFSET},
    "mprotect": {2: _PROT}, "pkey_mprotect": {2: _PROT},
    "clone": {0: _clone_flags},
    "kill": {1: _signal}, "tkill": {1: _signal}, "tgkill": {2: _signal},
    "rt_sigaction": {0: _signal}, "rt_sigqueueinfo": {1: _signal}, "rt_tgsigqueueinfo": {2: _signal},
    "rt_sigprocmask": {0: _named(tn.SIGPROCMASK_HOW)},
    "fcntl": {1: _named(tn.fcntl_commands)}, "ioctl": {1: _named(tn.ioctl_requests)},
    "lseek": {2: _named(_SEEK)}, "futex": {1: _futex_op}, "arch_prctl": {0: _named(tn.ARCH_PRCTL), 1: hex},
    "socket": {0: _named(tn.socket_families), 1: _socket_type},
    "socketpair": {0: _named(tn.socket_families), 1: _socket_type},
    "wait4": {2: lambda v: tn.format_bits(v, tn.wait_options())},
    "waitid": {3: lambda v: tn.format_bits(v, tn.wait_options())},
    "prlimit64": {1: _named(tn.rlimit_names)}, "getrlimit": {0: _named(tn.rlimit_names)},
    "setrlimit": {0: _named(tn.rlimit_names)}, "rseq": {3: hex},
    "getrandom": {2: lambda v: tn.format_bits(v, {"GRND_NONBLOCK": 1, "GRND_RANDOM": 2})},
}
# Arguments strace leaves out: open's mode without O_CREAT or O_TMPFILE, and
# futex's past those its operation reads (index: how many it shows).
_MODE_ARG = {"open": (1, 2), "openat": (2, 3)}
_FUTEX_ARGS = {0: 4, 1: 3, 9: 6, 10: 6}


_ADDRESS_NAMES = ("addr", "start", "brk", "old_address", "new_address", "shmaddr", "newsp", "tls")


def _default(p: Param, v: int) -> str:
    """Return an argument shown by its C type: pointers in hex, fds and ints signed, sizes decimal."""
    if "*" in p.type or p.name in _ADDRESS_NAMES:
        return _pointer(v)
    if p.name in ("fd", "dirfd", "dfd", "olddirfd", "newdirfd", "od", "nd", "oldfd", "newfd"):
        return _fd(v)
    if p.type in ("int", "pid_t", "long", "int64_t", "off_t", "loff_t"):
        return str(_int32(v) if p.type in ("int", "pid_t") else _signed(v))
    if "flags" in p.name or p.name in ("mask", "op", "cmd", "how"):
        return hex(v) if v else "0"
    return str(v)


def _blob(r: TraceRecord, i: int, letter: str) -> str | None:
    """Return argument i shown from the bytes the kernel copied, or None when it copied none."""
    if i not in r.blobs:
        return None
    data, cut = r.blobs[i]
    if letter == "v":
        items = [quote(s, False) for s in data.split(b"\0")[:-1] if data]
        return "[" + ", ".join(items) + (", ..." if cut else "") + "]"
    if letter == "w" and i + 1 < len(r.args):
        cut = cut or r.args[i + 1] > len(data)
    return quote(data, cut)


def format_args(r: TraceRecord, call: CallInfo | None) -> list[str]:
    """Return the record's arguments as strace shows them."""
    if call is None or not call.params:
        return [hex(a) if a else "0" for a in r.args]
    decoders = DECODERS.get(call.name, {})
    shown_args = len(r.args)
    if call.name == "futex" and len(r.args) > 1:
        shown_args = _FUTEX_ARGS.get(r.args[1] & 0x7F, shown_args)
    out = []
    for i, (p, v) in enumerate(zip(call.params, r.args[:shown_args], strict=False)):
        if call.name in _MODE_ARG and i == _MODE_ARG[call.name][1]:
            flags = r.args[_MODE_ARG[call.name][0]]
            if not flags & (0o100 | 0o20000000):  # O_CREAT, O_TMPFILE
                continue
        shown = _blob(r, i, call.spec[i]) if i < len(call.spec) and call.spec[i] != "x" else None
        out.append(shown or (decoders[i](v) if i in decoders else _default(p, v)))
    return out


def format_result(r: TraceRecord, name: str) -> str:
    """Return `= 3`, `= 0x7f..`, `= -1 ENOENT (No such file or directory)`, or `= ?` (no return)."""
    if r.flags & NORETURN:
        return "= ?"
    if -4096 < r.ret < 0:
        code = -r.ret
        prefix = "?" if code in tn.RESTART_ERRNOS else "-1"
        return f"= {prefix} {tn.errno_text(code)}"
    if name in _POINTER_RESULTS:
        return f"= {hex(r.ret & (1 << 64) - 1)}"
    return f"= {r.ret}"


def format_record(r: TraceRecord, calls: dict[int, CallInfo] | None = None) -> str:
    """Return the trace line of one record (without a newline)."""
    call = (calls if calls is not None else get_calls()).get(r.nr)
    name = call.name if call else f"syscall_{r.nr}"
    who = f"[pid {r.pid}]" if r.pid == r.tid else f"[pid {r.pid}/{r.tid}]"
    when = f"{r.time_us // 1_000_000}.{r.time_us % 1_000_000:06d}"
    line = f"{who} {when} {name}({', '.join(format_args(r, call))}) {format_result(r, name)}"
    if r.flags & MISSING:
        line += " <missing>"
    elif r.flags & STUBBED or (call and call.status == "stub"):
        line += " <stubbed>"
    return line


class TraceSplitter:
    """Split the kernel log as it arrives: trace records go, decoded, to write; the rest to other.

    Call it with each chunk (vm.run's on_log); a line cut between two chunks is
    kept until its end comes. Call flush() once the log has ended.
    """

    def __init__(self, write: Callable[[str], None], other: Callable[[bytes], None] | None = None,
                 close: Callable[[], None] | None = None) -> None:
        self._write = write
        self._other = other
        self._close = close
        self._partial = b""
        self.count = 0  # records decoded

    def __call__(self, chunk: bytes) -> None:
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        self._take(lines)

    def flush(self) -> None:
        """Handle a last line that had no newline."""
        if self._partial:
            self._take([self._partial])
            self._partial = b""

    def close(self) -> None:
        """Flush, then close the output (once the log has ended)."""
        self.flush()
        if self._close:
            self._close()
            self._close = None

    def _take(self, lines: list[bytes]) -> None:
        """Pass lines on in their order: runs of records decoded to write, runs of others to other."""
        out: list[str] = []
        rest: list[bytes] = []
        for line in lines:
            record = parse_record(line) if line.startswith(PREFIX) else None
            if record is None:
                self._send(out, [])
                rest.append(line + b"\n")
            else:
                self._send([], rest)
                out.append(format_record(record) + "\n")
        self._send(out, rest)

    def _send(self, out: list[str], rest: list[bytes]) -> None:
        """Write out's lines and give rest's to other, emptying both lists."""
        if out:
            self.count += len(out)
            self._write("".join(out))
            out.clear()
        if rest:
            if self._other:
                self._other(b"".join(rest))
            rest.clear()


class TraceOutput:
    """Where the trace lines go: a file (made anew), or stderr when path is None.

    Stderr is reopened with O_APPEND, as QEMU opens it for the program's own
    stderr: writing at our shared offset would land on top of the program's
    output when stderr is a file. Use it with `with`; opening raises OSError.
    """

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
            return
        try:
            self._fd = os.open("/dev/fd/2", os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except OSError:  # a socket cannot be reopened: no offset to mind
            self._fd = os.dup(2)

    def write(self, text: str) -> None:
        """Write text whole; a reader gone away (EPIPE) drops the rest of the trace."""
        data = text.encode(errors="replace")
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except BrokenPipeError:
            pass

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> TraceOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_trace(path: Path | None, other: Callable[[bytes], None] | None = None) -> TraceSplitter:
    """Return a splitter writing trace lines to path (None: stderr) and the rest of the log to other.

    Raises OSError when path cannot be written. Close it when the run has ended.
    """
    out = TraceOutput(path)
    return TraceSplitter(out.write, other, out.close)
