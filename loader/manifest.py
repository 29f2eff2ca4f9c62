"""The per-run boot manifest: what changes every run (argv, env, cwd, ttys, a
random seed, the time), laid out as docs/boot-protocol.md says.

The header's layout is kernel/manifest.tsv's (loader/manifest_layout.py),
the same file the kernel's header is generated from. The host lays the
manifest out for the address the kernel sees it at, so its pointers are
ready to use; vm.py hands it to QEMU's loader device.
"""

from __future__ import annotations

import ipaddress
import os
import struct
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from loader import terminal
from loader.errors import ImageError
from loader.etc import DEFAULT_HOSTNAME, DEFAULT_PATH
from loader.identity import ROOT, Identity
from loader.manifest_layout import read_layout
from loader.network import NetConfig

LAYOUT = read_layout()
HEADER = LAYOUT.get_struct()
MANIFEST_PHYS = LAYOUT.consts["PHYS"]  # where vm.py has QEMU put it
MANIFEST_VIRT = LAYOUT.consts["VIRT"]  # where the kernel sees it: its pointers' base
MANIFEST_MAX_BYTES = LAYOUT.consts["MAX_SIZE"]
SEED_BYTES = LAYOUT.consts["SEED_LEN"]
DEFAULT_ENV = {
    "PATH": DEFAULT_PATH,
    "HOME": "/",  # root's, as a container's; another user's is its home (make_env)
}
# The host forwards its stdin to the program (docs/boot-protocol.md,
# "Standard input"). The kernel keeps a byte that reaches COM1 before it sets
# the UART up, so nothing is lost however early the host writes.
RELAY_STDIN = True
# $PKGLOAD_TEST_CRASH: the tests of the kernel's crash reports ask it to crash
# on purpose (kernel/crash_test.c); the manifest's CRASH bits carry the number.
CRASH_ENV = "PKGLOAD_TEST_CRASH"
CRASH_TESTS = {"kernel-fault": 1, "user-access": 2, "stack-overflow": 3}


@dataclass(frozen=True)
class ProgramExtent:
    """Where the program's bytes are in the image, so the kernel starts it without searching."""

    offset: int
    size: int
    mode: int  # st_mode


@dataclass(frozen=True)
class Manifest:
    """The per-run facts the kernel finds in memory at boot (docs/boot-protocol.md)."""

    path: str
    argv: list[str]
    env: list[str]
    cwd: str
    tty: str
    seed: str
    time_ns: int
    hostname: str = DEFAULT_HOSTNAME
    stdin_relay: bool = False  # the host forwards its stdin on the console's port 1
    winsize: tuple[int, int] | None = None  # the host terminal's rows and columns
    term_modes: str | None = None  # stdin's terminal modes, as loader.terminal encodes them
    program: ProgramExtent | None = None  # where path's bytes are in the image
    uid: int = 0  # the program's ids (pkgload run --user)
    gid: int = 0
    stubs: str | None = None  # the stub rules as the kernel reads them (loader.stubs.encode_rules)
    net: NetConfig | None = None  # the NIC's configuration; None: no NIC
    crash: int = 0  # a crash test the kernel runs instead of the program (CRASH_TESTS), 0: none
    trace: bool = False  # the kernel logs a record per syscall (pkgload run --trace, loader/trace.py)


def make_env(pairs: Iterable[str], host_env: Mapping[str, str] | None = None,
             identity: Identity = ROOT) -> list[str]:
    """Return the program's environment: DEFAULT_ENV, then each KEY=VALUE of pairs.

    HOME is / for root and the user's home folder for anyone else (identity).

    A pair without "=" takes KEY's value from host_env (os.environ by default)
    and is left out when the host does not have it, as `docker run -e` does.
    A later value of a key replaces an earlier one in place.
    """
    host_env = os.environ if host_env is None else host_env
    env = dict(DEFAULT_ENV)
    if not identity.is_root:
        env["HOME"] = identity.home
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            if key not in host_env:
                continue
            value = host_env[key]
        env[key] = value
    return [f"{k}={v}" for k, v in env.items()]


def make_manifest(guest_path: str, argv: list[str], env: list[str],
                  program: ProgramExtent | None = None, identity: Identity = ROOT,
                  stubs: str | None = None, net: NetConfig | None = None) -> Manifest:
    """Return the manifest for one run, with this host's cwd, ttys, a fresh seed and the time.

    program says where guest_path's bytes are in the image (Image.program_extent);
    identity, who the program runs as; stubs, the encoded stub rules (or None); net, the
    NIC's configuration (None: no NIC).

    With RELAY_STDIN, stdin is relayed whenever our fd 0 is open (for
    /dev/null too: the relay then sends end-of-file at once).
    """
    return Manifest(
        path=guest_path,
        argv=list(argv),
        env=list(env),
        cwd=os.getcwd(),
        tty="".join("1" if os.isatty(fd) else "0" for fd in (0, 1, 2)),
        seed=os.urandom(SEED_BYTES).hex(),
        time_ns=time.time_ns(),
        stdin_relay=RELAY_STDIN and _is_open(0),
        winsize=_terminal_size(),
        term_modes=terminal.encode_modes(0) if RELAY_STDIN and os.isatty(0) else None,
        program=program,
        uid=identity.uid,
        gid=identity.gid,
        stubs=stubs or None,
        net=net,
        crash=get_crash_test(),
    )


def get_crash_test(environ: Mapping[str, str] | None = None) -> int:
    """Return the crash test $PKGLOAD_TEST_CRASH asks for (CRASH_TESTS), 0 when unset.

    Raises ImageError for a name that is no test.
    """
    name = (os.environ if environ is None else environ).get(CRASH_ENV, "")
    if not name:
        return 0
    if name not in CRASH_TESTS:
        raise ImageError(f"{CRASH_ENV}={name!r}: not a crash test, use one of {', '.join(CRASH_TESTS)}")
    return CRASH_TESTS[name]


def _terminal_size() -> tuple[int, int] | None:
    """Return (rows, columns) of the first of our fds 1, 0, 2 that is a terminal, or None."""
    for fd in (1, 0, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        return size.lines, size.columns
    return None


def _is_open(fd: int) -> bool:
    """Return True when fd is an open file descriptor."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _strings(m: Manifest) -> list[tuple[str, str]]:
    """Return the manifest's strings in their order, each with what it is for messages."""
    fixed = [("path", m.path), ("cwd", m.cwd), ("hostname", m.hostname)]
    fixed += [("terminal modes", m.term_modes)] if m.term_modes else []
    fixed += [("stub rules", m.stubs)] if m.stubs else []
    return fixed + [("argument", a) for a in m.argv] + [("environment string", e) for e in m.env]


def _lay_out_strings(m: Manifest) -> tuple[list[int], bytes]:
    """Return each string's address and the strings' bytes, which follow the two arrays."""
    first = MANIFEST_VIRT + HEADER.size + 8 * (len(m.argv) + 1 + len(m.env) + 1)
    body = bytearray()
    addrs = []
    for what, value in _strings(m):
        raw = os.fsencode(value)
        if b"\0" in raw:
            raise ImageError(f"{what} {value!r}: contains a NUL byte, which the manifest cannot carry")
        addrs.append(first + len(body))
        body += raw + b"\0"
    return addrs, bytes(body)


def encode_manifest(m: Manifest) -> bytes:
    """Return the manifest in the binary layout of docs/boot-protocol.md.

    Raises ImageError if a string contains a NUL byte, or if the whole is more
    than MANIFEST_MAX_BYTES.
    """
    addrs, body = _lay_out_strings(m)
    arrays = 8 * (len(m.argv) + 1 + len(m.env) + 1)
    size = HEADER.size + arrays + len(body)
    if size > MANIFEST_MAX_BYTES:
        raise ImageError(f"arguments and environment: {size} bytes, more than the {MANIFEST_MAX_BYTES} "
                         "the manifest can carry")
    n_fixed = len(addrs) - len(m.argv) - len(m.env)
    argv, env = addrs[n_fixed:n_fixed + len(m.argv)], addrs[n_fixed + len(m.argv):]
    fixed = dict(zip((what for what, _ in _strings(m)), addrs[:n_fixed]))
    values = _header_values(m, size, fixed)
    header = HEADER.pack(*(values[f.name] for f in LAYOUT.fields))
    pointers = struct.pack(f"<{len(argv) + len(env) + 2}Q", *argv, 0, *env, 0)
    return header + pointers + body


def _header_values(m: Manifest, size: int, fixed: dict[str, int]) -> dict[str, int | bytes]:
    """Return the header's fields by name; fixed maps the strings before argv's (_strings) to their addresses."""
    c = LAYOUT.consts
    rows, cols = (min(n, 0xFFFF) for n in m.winsize) if m.winsize else (0, 0)
    prog = m.program or ProgramExtent(0, 0, 0)
    tty = sum(c["TTY0"] << i for i, ch in enumerate(m.tty) if ch == "1")
    argv_at = MANIFEST_VIRT + HEADER.size
    return {
        "magic": c["MAGIC"], "version": c["VERSION"], "size": size,
        "argc": len(m.argv), "envc": len(m.env),
        "flags": tty | (c["STDIN_RELAY"] if m.stdin_relay else 0) | (c["NET"] if m.net else 0)
                 | m.crash << c["CRASH_SHIFT"] | (c["TRACE"] if m.trace else 0),
        "win_rows": rows, "win_cols": cols, "time_ns": m.time_ns, "seed": bytes.fromhex(m.seed),
        "program_offset": prog.offset, "program_size": prog.size, "program_mode": prog.mode,
        "reserved": 0, "base": MANIFEST_VIRT,
        "path": fixed["path"], "cwd": fixed["cwd"], "hostname": fixed["hostname"],
        "termios": fixed.get("terminal modes", 0), "stubs": fixed.get("stub rules", 0),
        "argv": argv_at, "envp": argv_at + 8 * (len(m.argv) + 1),
        "uid": m.uid, "gid": m.gid, **_net_values(m.net),
    }


def _net_values(net: NetConfig | None) -> dict[str, int | bytes]:
    """Return the net_ fields: zeros without a NIC, and for DHCP all but the prefix."""
    def packed(addr: str | None) -> bytes:
        return ipaddress.IPv4Address(addr or "0.0.0.0").packed

    return {"net_ip4": packed(net and net.address), "net_gw4": packed(net and net.gateway),
            "net_prefix4": net.prefix if net else 0, "net_reserved": 0}
