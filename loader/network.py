"""The guest's network: `pkgload run --network` and `-p`, and the QEMU arguments for them.

A VM gets one virtio-net NIC on QEMU's user network (slirp) unless the
network is "none". The user network is always 10.0.2.0/24, the host's
gateway 10.0.2.2 and its DNS relay 10.0.2.3, so the guest takes the address
QEMU's DHCP server would give it, 10.0.2.15, without asking (docs/host.md,
"The network"). Published ports are QEMU hostfwd rules, checked free on the
host before QEMU starts.
"""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from loader.errors import PkgloadError

NETWORKS = ("user", "none")
DEFAULT_NETWORK = "user"
DEFAULT_HOST_ADDR = "127.0.0.1"  # publishing on every interface must be asked for (0.0.0.0:...)
GUEST_ADDR = "10.0.2.15"  # QEMU's user network: what its DHCP server gives the first guest
GUEST_PREFIX = 24
GATEWAY_ADDR = "10.0.2.2"  # the host, as the guest sees it
DNS_ADDR = "10.0.2.3"  # QEMU's DNS relay to the host's resolver

_PORTS = r"\d+(?:-\d+)?"  # a port, or a range FIRST-LAST
_PUBLISH_RE = re.compile(rf"(?:(?P<addr>\[[0-9A-Fa-f:.]+\]|[0-9.]+):)?(?P<host>{_PORTS}):(?P<guest>{_PORTS})"
                         r"(?:/(?P<proto>tcp|udp))?")
MAX_RANGE = 1000  # ports one -p may publish


class PortInUse(PkgloadError):
    """A port asked to be published is taken on the host."""


@dataclass(frozen=True)
class PortMapping:
    """One `-p [HOST_ADDR:]HOST_PORT:GUEST_PORT[/tcp|/udp]`."""

    host_addr: str
    host_port: int
    guest_port: int
    proto: str = "tcp"

    def __str__(self) -> str:
        addr = f"[{self.host_addr}]" if ":" in self.host_addr else self.host_addr
        return f"{addr}:{self.host_port}:{self.guest_port}/{self.proto}"


@dataclass(frozen=True)
class NetConfig:
    """The guest's interface as the manifest gives it: a static IPv4 address, or DHCP."""

    address: str | None  # None: ask by DHCP
    prefix: int
    gateway: str | None


USER_NET = NetConfig(GUEST_ADDR, GUEST_PREFIX, GATEWAY_ADDR)


def parse_publish(text: str) -> list[PortMapping]:
    """Return the mappings of a `-p` value, docker's syntax, a range giving one per port.

    Raises ValueError when it is not one.
    """
    m = _PUBLISH_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r}: expected [HOST_ADDR:]HOST_PORT:GUEST_PORT[/tcp|/udp]")
    addr = (m.group("addr") or DEFAULT_HOST_ADDR).strip("[]")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise ValueError(f"{text!r}: {addr} is not an IP address") from None
    if ip.version == 6:
        raise ValueError(f"{text!r}: QEMU's user network forwards from IPv4 host addresses only")
    hosts, guests = _port_range(text, m.group("host")), _port_range(text, m.group("guest"))
    if len(hosts) != len(guests):
        raise ValueError(f"{text!r}: the host and guest ranges differ in length")
    return [PortMapping(str(ip), h, g, m.group("proto") or "tcp") for h, g in zip(hosts, guests, strict=True)]


def _port_range(text: str, spec: str) -> range:
    """Return the ports of "N" or "FIRST-LAST"; raise ValueError when one is out of range."""
    first, _, last = spec.partition("-")
    ports = range(int(first), int(last or first) + 1)
    for port in (int(first), int(last or first)):
        if not 1 <= port <= 65535:
            raise ValueError(f"{text!r}: port {port} is not between 1 and 65535")
    if not 1 <= len(ports) <= MAX_RANGE:
        raise ValueError(f"{text!r}: {spec} is not a range of 1 to {MAX_RANGE} ports")
    return ports


def check_ports_free(ports: list[PortMapping]) -> None:
    """Check that each host port can be bound now, as QEMU will bind it.

    Raises PortInUse naming the first that cannot be (taken, or an address
    this host does not have). QEMU binds TCP ports with SO_REUSEADDR, so a
    port whose old connections linger in TIME_WAIT counts as free.
    """
    seen: set[tuple[str, int]] = set()
    for p in ports:
        if (p.proto, p.host_port) in seen:
            raise PortInUse(f"-p {p}: host port {p.host_port}/{p.proto} is published twice")
        seen.add((p.proto, p.host_port))
        _try_bind(p)


def _try_bind(p: PortMapping) -> None:
    """Bind p's host address and port as QEMU will, and let go; raise PortInUse when that fails."""
    kind = socket.SOCK_STREAM if p.proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as s:
        if p.proto == "tcp":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((p.host_addr, p.host_port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                why = "is already in use on the host"
            elif e.errno == errno.EACCES:
                why = "needs privileges to bind on the host"
            else:
                why = f"cannot be bound on the host ({e.strerror or e})"
            raise PortInUse(f"-p {p}: {p.host_addr}:{p.host_port}/{p.proto} {why}") from e


def qemu_network_args(network: str, ports: list[PortMapping]) -> list[str]:
    """Return QEMU's arguments for the NIC: a user netdev with hostfwd rules and virtio-net-device."""
    if network == "none":
        return []
    rules = "".join(f",hostfwd={p.proto}:{p.host_addr}:{p.host_port}-:{p.guest_port}" for p in ports)
    return ["-netdev", f"user,id=net0{rules}", "-device", "virtio-net-device,netdev=net0"]


def get_net_config(network: str) -> NetConfig | None:
    """Return the interface the manifest gives the guest, or None for no NIC."""
    return None if network == "none" else USER_NET


# QEMU 7.2's user network listens on a published TCP port with a backlog of
# 1: a burst of connections (redis-benchmark's 20 clients, wrk's) overflows
# the host's accept queue, and the dropped SYNs come back only 1, 3, 7, 15 s
# later. listen() again on the same socket sets a new backlog, so pkgload
# takes a copy of QEMU's listening sockets (pidfd_getfd: QEMU is our child)
# and calls listen(BACKLOG) on them, as docker's proxy would listen.
BACKLOG = 4096
SYS_PIDFD_GETFD = 438  # x86-64
WIDEN_TIMEOUT_S = 10.0  # for QEMU to have bound the ports


def widen_backlogs(pid: int, ports: Sequence[PortMapping]) -> threading.Thread | None:
    """Start a thread that gives QEMU's (process pid) listening sockets for ports a backlog of BACKLOG.

    Returns the thread, or None when no TCP port is published. A failure
    (no pidfd_getfd, no permission) leaves QEMU's backlog as it is: slower
    bursts of connections, nothing worse.
    """
    wanted = {(p.host_addr, p.host_port) for p in ports if p.proto == "tcp"}
    if not wanted:
        return None
    thread = threading.Thread(target=_widen, args=(pid, wanted), name="pkgload-backlog", daemon=True)
    thread.start()
    return thread


def _widen(pid: int, wanted: set[tuple[str, int]]) -> None:
    """Relisten on each of QEMU's sockets for wanted once QEMU has made it, for WIDEN_TIMEOUT_S at most."""
    deadline = time.monotonic() + WIDEN_TIMEOUT_S
    done: set[int] = set()
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        while len(done) < len(wanted) and time.monotonic() < deadline:
            inodes = _listening_inodes(wanted)
            for fd, inode in _socket_fds(pid):
                if inode in inodes and inode not in done and _relisten(pidfd, fd):
                    done.add(inode)
            time.sleep(0.01)
    except OSError:
        pass
    finally:
        os.close(pidfd)


def _listening_inodes(wanted: set[tuple[str, int]]) -> set[int]:
    """Return the inodes of the host's listening TCP sockets bound to the wanted addresses."""
    found = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            ip_hex, port_hex = cols[1].split(":")
            addr = str(ipaddress.IPv4Address(int(ip_hex, 16).to_bytes(4, "little")))
            if cols[3] == "0A" and (addr, int(port_hex, 16)) in wanted:
                found.add(int(cols[9]))
    return found


def _socket_fds(pid: int) -> list[tuple[int, int]]:
    """Return (fd, inode) of each socket process pid has open."""
    out = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.append((int(name), int(target[8:-1])))
    return out


def _relisten(pidfd: int, fd: int) -> bool:
    """Copy the process's fd and listen(BACKLOG) on it; True when that worked."""
    ours = ctypes.CDLL(None, use_errno=True).syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
    if ours < 0:
        return False
    try:
        with socket.socket(fileno=os.dup(ours)) as s:
            s.listen(BACKLOG)
        return True
    except OSError:
        return False
    finally:
        os.close(ours)


# The kernel's line when a program listens (kernel/net/inet_tcp.c).
_LISTEN_RE = re.compile(rb"net: listening on tcp (?P<addr>\[[0-9a-fA-F:.]*\]|[0-9.]+):(?P<port>\d+)")


def describe_listen(line: bytes, ports: Sequence[PortMapping]) -> str | None:
    """Return --verbose's line for a kernel log LINE saying the program listens, else None.

    "pkgload: listening on tcp 0.0.0.0:80 (published as 127.0.0.1:8080)", or
    "(not published)", or a warning when it listens on loopback only, which
    QEMU's forwarding (to 10.0.2.15) never reaches.
    """
    m = _LISTEN_RE.search(line)
    if not m:
        return None
    addr, port = m.group("addr").decode(), int(m.group("port"))
    where = f"tcp {addr}:{port}"
    published = [f"{p.host_addr}:{p.host_port}" for p in ports if p.proto == "tcp" and p.guest_port == port]
    if not published:
        return f"pkgload: listening on {where} (not published)"
    if ipaddress.ip_address(addr.strip("[]")).is_loopback:
        return (f"pkgload: listening on {where}: published as {', '.join(published)} but unreachable "
                f"from the host (it listens on loopback only; listen on 0.0.0.0 or [::])")
    return f"pkgload: listening on {where} (published as {', '.join(published)})"


class ListenReporter:
    """Pass the kernel log on to OUT (--verbose), adding describe_listen's line after each listen."""

    def __init__(self, out: Callable[[bytes], None], ports: Sequence[PortMapping]) -> None:
        self._out = out
        self._ports = list(ports)
        self._partial = b""

    def __call__(self, chunk: bytes) -> None:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._out(chunk[start:end + 1])
            line, self._partial = self._partial + chunk[start:end], b""
            said = describe_listen(line, self._ports)
            if said:
                self._out(said.encode() + b"\n")
            start = end + 1
        if start < len(chunk):
            self._out(chunk[start:])
            self._partial = (self._partial + chunk[start:])[-4096:]
