"""AF_NETLINK NETLINK_ROUTE: what programs learn of the guest's interfaces.

The errors and message handling any Linux answers alike are the
differential cases net_netlink (tests/test_differential.py) and net_ifaces
(tests/test_go_programs.py). Here, the interface lists, which differ from
the host's: glibc's and musl's getifaddrs(), python3's socket.if_nameindex()
and Go's net.Interfaces() under pkgload, with and without `--network none`,
against the interfaces pkgload gives (QEMU's user network: eth0 10.0.2.15/24
with its default MAC, SLAAC on fec0::/64); with `--network none`, the same
as Linux in a network namespace holding only lo; and python3 talking raw
netlink (a dump read through a truncating buffer, then NLMSG_DONE) as on
the host.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cprograms import get_binary_path
from goprograms import get_go_binary
from test_differential import GUEST_BASE_ENV, RUN_CWD

TIMEOUT = 120  # seconds for one run under TCG

LO_IFADDRS = """\
lo inet 127.0.0.1 mask 255.0.0.0 brd - flags 0x10049
lo inet6 ::1 mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff brd - flags 0x10049
lo packet 00:00:00:00:00:00 mask - brd - flags 0x10049
"""
# IFF_UP|IFF_BROADCAST|IFF_RUNNING|IFF_MULTICAST|IFF_LOWER_UP on eth0.
USER_IFADDRS = """\
eth0 inet 10.0.2.15 mask 255.255.255.0 brd 10.0.2.255 flags 0x11043
eth0 inet6 fe80::5054:ff:fe12:3456 mask ffff:ffff:ffff:ffff:: brd - flags 0x11043
eth0 inet6 fec0::5054:ff:fe12:3456 mask ffff:ffff:ffff:ffff:: brd - flags 0x11043
eth0 packet 52:54:00:12:34:56 mask - brd ff:ff:ff:ff:ff:ff flags 0x11043
""" + LO_IFADDRS

GO_LO = """\
lo index 1 mtu 65536 mac "" flags up|loopback
lo addr ip+net 127.0.0.1/8
lo addr ip+net ::1/128
"""
GO_TAIL = """\
lo by name and by index: 1 lo
nosuch0: route ip+net: no such network interface
"""
GO_USER = """\
eth0 index 2 mtu 1500 mac "52:54:00:12:34:56" flags up|broadcast|multicast
eth0 addr ip+net 10.0.2.15/24
eth0 addr ip+net fe80::5054:ff:fe12:3456/64
eth0 addr ip+net fec0::5054:ff:fe12:3456/64
""" + GO_LO + GO_TAIL + """\
address 10.0.2.15/24
address fe80::5054:ff:fe12:3456/64
address fec0::5054:ff:fe12:3456/64
loopback addresses: 2
"""
GO_NONE = GO_LO + GO_TAIL + "loopback addresses: 2\n"

NETWORKS = {"user": [], "none": ["--network", "none"]}


def run_guest(pkgload: Path, tmp_path: Path, network: str, *args: str,
              options: tuple[str, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    """Run ARGS under pkgload with NETWORK ("user" or "none") and OPTIONS; fail unless it exits
    0 quietly."""
    env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    cmd = [str(pkgload), "run", *NETWORKS[network], *options, "--", *args]
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd=RUN_CWD, stdin=subprocess.DEVNULL,
                          timeout=TIMEOUT)
    assert (proc.returncode, proc.stderr) == (0, b""), f"{cmd}: {proc}"
    return proc


def run_in_namespace(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run ARGS natively in a new network namespace with only lo, up (docker's --network none)."""
    proc = subprocess.run(["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *args],
                          capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0 and b"unshare" in proc.stderr:
        pytest.skip(f"no network namespace here: {proc.stderr.decode(errors='replace').strip()}")
    assert proc.returncode == 0, proc
    return proc


@pytest.mark.parametrize("flavour", ["glibc-dynamic", "musl-static"])
@pytest.mark.parametrize("network", ["user", "none"])
def test_getifaddrs(programs: Path, pkgload: Path, tmp_path: Path, flavour: str, network: str) -> None:
    """getifaddrs() (glibc's and musl's, both over RTM_GETLINK and RTM_GETADDR dumps) lists
    pkgload's interfaces: lo and eth0, or lo alone with --network none."""
    binary = get_binary_path("net_netlink", flavour)
    guest = run_guest(pkgload, tmp_path, network, str(binary), "ifaddrs")
    expected = USER_IFADDRS if network == "user" else LO_IFADDRS
    assert guest.stdout.decode() == expected


def test_getifaddrs_lo_as_linux(programs: Path, pkgload: Path, tmp_path: Path) -> None:
    """With --network none, getifaddrs() says what Linux says in a namespace with only lo."""
    binary = str(get_binary_path("net_netlink", "glibc-dynamic"))
    native = run_in_namespace(binary, "ifaddrs")
    guest = run_guest(pkgload, tmp_path, "none", binary, "ifaddrs")
    assert guest.stdout == native.stdout
    assert native.stdout.decode() == LO_IFADDRS


def ifreq_lines(name: str, addr: str, index: int, flags: str, mtu: int, hw: str, mask: str, brd: str) -> str:
    """net_ifreq all's lines for one interface."""
    return (f"{name} {addr}:\n  SIOCGIFINDEX: 0\n    index {index}\n  SIOCGIFFLAGS: 0\n    flags {flags}\n"
            f"  SIOCGIFMTU: 0\n    mtu {mtu}\n  SIOCGIFHWADDR: 0\n    type {hw}\n  SIOCGIFTXQLEN: 0\n"
            f"    qlen 1000\n  SIOCGIFMETRIC: 0\n    metric 0\n  SIOCGIFADDR: 0\n    address {addr}\n"
            f"  SIOCGIFNETMASK: 0\n    netmask {mask}\n  SIOCGIFBRDADDR: 0\n    broadcast {brd}\n"
            f"  SIOCGIFDSTADDR: 0\n    destination {addr}\n  if_nametoindex {index}\n")


LO_IFREQ = "SIOCGIFCONF: 0\n" + ifreq_lines("lo", "127.0.0.1", 1, "0x49", 65536, "772 address 00:00:00:00:00:00",
                                           "255.0.0.0", "0.0.0.0")
USER_IFREQ = LO_IFREQ + ifreq_lines("eth0", "10.0.2.15", 2, "0x1043", 1500, "1 address 52:54:00:12:34:56",
                                    "255.255.255.0", "10.0.2.255")


@pytest.mark.parametrize("flavour", ["glibc-dynamic", "musl-static"])
@pytest.mark.parametrize("network", ["user", "none"])
def test_interface_ioctls(programs: Path, pkgload: Path, tmp_path: Path, flavour: str, network: str) -> None:
    """SIOCGIFCONF lists pkgload's interfaces with their IPv4 addresses, and the SIOCGIF* ioctls
    and if_nametoindex describe each (net_ifreq's lo-only part is a differential case)."""
    guest = run_guest(pkgload, tmp_path, network, str(get_binary_path("net_ifreq", flavour)), "all")
    assert guest.stdout.decode() == (USER_IFREQ if network == "user" else LO_IFREQ)


def test_interface_ioctls_lo_as_linux(programs: Path, pkgload: Path, tmp_path: Path) -> None:
    """With --network none, the interface ioctls say what Linux says in a namespace with only lo."""
    binary = str(get_binary_path("net_ifreq", "glibc-dynamic"))
    native = run_in_namespace(binary, "all")
    guest = run_guest(pkgload, tmp_path, "none", binary, "all")
    assert guest.stdout == native.stdout
    assert native.stdout.decode() == LO_IFREQ


IF_NAMEINDEX = """
import socket
print(socket.if_nameindex())
for index, name in socket.if_nameindex():
    print(name, socket.if_nametoindex(name), socket.if_indextoname(index))
try:
    socket.if_nametoindex("nosuch0")
except OSError as e:
    print("nosuch0:", e)
"""
NO_SUCH = "nosuch0: no interface with this name\n"


@pytest.mark.parametrize("network, expected", [
    ("user", "[(1, 'lo'), (2, 'eth0')]\nlo 1 lo\neth0 2 eth0\n" + NO_SUCH),
    ("none", "[(1, 'lo')]\nlo 1 lo\n" + NO_SUCH)])
def test_python_if_nameindex(pkgload: Path, tmp_path: Path, network: str, expected: str) -> None:
    """python3's socket.if_nameindex() (glibc's if_nameindex: an RTM_GETLINK dump), and
    if_nametoindex/if_indextoname (SIOCGIFINDEX, SIOCGIFNAME on an AF_UNIX socket)."""
    guest = run_guest(pkgload, tmp_path, network, "/usr/bin/python3", "-c", IF_NAMEINDEX)
    assert guest.stdout.decode() == expected


RAW_NETLINK = """
import os, socket, struct
NLMSG_ERROR, NLMSG_DONE, RTM_NEWLINK, RTM_GETLINK = 2, 3, 16, 18
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
print("bound to my pid", s.getsockname() == (os.getpid(), 0))
s.settimeout(10)
def dump(seq):
    s.send(struct.pack("=IHHIIBxxxiII", 32, RTM_GETLINK, 0x301, seq, 0, 0, 0, 0, 0))
dump(7)
size = s.recv_into(bytearray(1), 1, socket.MSG_PEEK | socket.MSG_TRUNC)
data, anc, flags, addr = s.recvmsg(16)
print("peeked", size > 16, "truncated to", len(data), flags & socket.MSG_TRUNC != 0, addr)
def messages():
    while True:
        data = s.recv(65536)
        while data:
            ln, type_, flags, seq, pid = struct.unpack_from("=IHHII", data)
            yield type_, seq, pid == os.getpid(), data[16:ln]
            if type_ in (NLMSG_DONE, NLMSG_ERROR):
                return
            data = data[(ln + 3) & ~3:]
print("rest", [m[:3] for m in messages() if m[0] != RTM_NEWLINK])
dump(8)
links = [m for m in messages() if m[0] == RTM_NEWLINK]
print("lo first", struct.unpack_from("=BxHiI", links[0][3]))
print("all sequence 8, to me", {(m[1], m[2]) for m in links})
for t, seq, body in ((1000, 9, b"abcd"), (18, 10, struct.pack("=BxxxiII", 0, 99999, 0, 0))):
    s.send(struct.pack("=IHHII", 16 + len(body), t, 1, seq, 0) + body)
    print("request", t, [(m[0], m[1], struct.unpack_from("=i", m[3])[0]) for m in messages()])
"""


@pytest.mark.parametrize("network", ["user", "none"])
def test_python_raw_netlink(pkgload: Path, tmp_path: Path, network: str) -> None:
    """python3 speaking NETLINK_ROUTE through its socket module gets the host's answers: a
    dump's NLMSG_DONE comes in a datagram of its own after a truncated read (it waited forever
    when it shared the first one), lo first, errors for an unknown type and interface."""
    native = subprocess.run(["python3", "-c", RAW_NETLINK], capture_output=True, timeout=TIMEOUT)
    assert native.returncode == 0, native
    guest = run_guest(pkgload, tmp_path, network, "/usr/bin/python3", "-c", RAW_NETLINK)
    assert guest.stdout == native.stdout
    assert b"rest [(3, 7, True)]" in native.stdout


@pytest.mark.parametrize("network, expected", [("user", GO_USER), ("none", GO_NONE)])
def test_go_interfaces(go_programs: Path, pkgload: Path, tmp_path: Path, network: str, expected: str) -> None:
    """Go's net.Interfaces(), Interface.Addrs(), InterfaceByName/ByIndex and InterfaceAddrs()
    (Go's own netlink client, syscall.NetlinkRIB) see pkgload's interfaces."""
    guest = run_guest(pkgload, tmp_path, network, str(get_go_binary("net_ifaces")), "all")
    assert guest.stdout.decode() == expected


IP = "/usr/sbin/ip"
# `ip route show table all` under pkgload with its user network: as Linux lists the same
# configuration, but the SLAAC prefix's "proto ra" and both RA routes' "expires".
USER_ROUTES = """\
default via 10.0.2.2 dev eth0 \n10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 \n\
local 10.0.2.15 dev eth0 table local proto kernel scope host src 10.0.2.15 \n\
broadcast 10.0.2.255 dev eth0 table local proto kernel scope link src 10.0.2.15 \n\
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \n\
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 \n\
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 \n\
fe80::/64 dev eth0 proto kernel metric 256 pref medium
fec0::/64 dev eth0 proto kernel metric 256 pref medium
default via fe80::2 dev eth0 proto ra metric 1024 pref medium
local ::1 dev lo table local proto kernel metric 0 pref medium
local fe80::5054:ff:fe12:3456 dev eth0 table local proto kernel metric 0 pref medium
local fec0::5054:ff:fe12:3456 dev eth0 table local proto kernel metric 0 pref medium
multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium
"""


@pytest.mark.skipif(not Path(IP).exists(), reason="iproute2 is not installed")
def test_ip_route(pkgload: Path, tmp_path: Path) -> None:
    """iproute2's `ip route` (RTM_GETROUTE dumps): the main and local tables of both families."""
    guest = run_guest(pkgload, tmp_path, "user", IP, "route", "show", "table", "all")
    assert guest.stdout.decode() == USER_ROUTES
    main = run_guest(pkgload, tmp_path, "user", IP, "route")
    assert main.stdout.decode() == "".join(USER_ROUTES.splitlines(keepends=True)[:2])


@pytest.mark.skipif(not Path(IP).exists(), reason="iproute2 is not installed")
def test_ip_addr_and_route_lo_as_linux(pkgload: Path, tmp_path: Path) -> None:
    """With --network none, `ip -4 route show table all`, `ip -s link` and `ip addr` say what
    they say in a Linux namespace with only lo."""
    for args in (["-4", "route", "show", "table", "all"], ["-s", "link"], ["addr"]):
        native = run_in_namespace(IP, *args)
        guest = run_guest(pkgload, tmp_path, "none", IP, *args)
        assert guest.stdout.decode() == native.stdout.decode(), args
    assert "local 127.0.0.1 dev lo table local" in run_in_namespace(IP, "-4", "route", "show", "table", "all") \
        .stdout.decode()


ROUTE_GET = """
for a in 127.0.0.1 127.0.0.5 8.8.8.8 10.0.2.15 10.0.2.7 10.0.2.255 ::1 2001:db8::1 fe80::1 \\
         fec0::5054:ff:fe12:3456; do
    ip route get $a 2>&1; echo "status $?"
done
"""
USER_ROUTE_GET = """\
local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \n    cache <local> \nstatus 0
local 127.0.0.5 dev lo src 127.0.0.1 uid 0 \n    cache <local> \nstatus 0
8.8.8.8 via 10.0.2.2 dev eth0 src 10.0.2.15 uid 0 \n    cache \nstatus 0
local 10.0.2.15 dev lo src 10.0.2.15 uid 0 \n    cache <local> \nstatus 0
10.0.2.7 dev eth0 src 10.0.2.15 uid 0 \n    cache \nstatus 0
broadcast 10.0.2.255 dev eth0 src 10.0.2.15 uid 0 \n    cache <local,brd> \nstatus 0
local ::1 from :: dev lo table local proto kernel src ::1 metric 0 pref medium
status 0
2001:db8::1 from :: via fe80::2 dev eth0 proto ra src fec0::5054:ff:fe12:3456 metric 1024 pref medium
status 0
fe80::1 from :: dev eth0 proto kernel src fe80::5054:ff:fe12:3456 metric 256 pref medium
status 0
local fec0::5054:ff:fe12:3456 from :: dev lo table local proto kernel src fec0::5054:ff:fe12:3456 \
metric 0 pref medium
status 0
"""


@pytest.mark.skipif(not Path(IP).exists(), reason="iproute2 is not installed")
def test_ip_route_get(pkgload: Path, tmp_path: Path) -> None:
    """`ip route get ADDR` (RTM_GETROUTE for one destination): local, broadcast, on-link and
    gatewayed answers with their source address; with --network none, what Linux answers in a
    namespace with only lo (unreachable but for the host's own addresses)."""
    guest = run_guest(pkgload, tmp_path, "user", "/bin/sh", "-c", ROUTE_GET, options=("--with", IP))
    assert guest.stdout.decode() == USER_ROUTE_GET
    native = run_in_namespace("sh", "-c", ROUTE_GET)
    alone = run_guest(pkgload, tmp_path, "none", "/bin/sh", "-c", ROUTE_GET, options=("--with", IP))
    assert alone.stdout.decode() == native.stdout.decode()
    assert native.stdout.count(b"RTNETLINK answers: Network is unreachable\nstatus 2") == 7


# Random NETLINK_ROUTE requests (types, flags, lengths, attributes with odd
# lengths): every answer well-formed, the kernel standing. Never run natively:
# as root on the host, an RTM_NEW* or RTM_DEL* could change its network.
NETLINK_FUZZ = """import random, socket, struct, sys
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
replies = errors = 0
def drain():
    global replies, errors
    while True:
        try:
            data = s.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        off = 0
        while off + 16 <= len(data):
            ln, t, fl, seq, pid = struct.unpack_from("=IHHII", data, off)
            assert 16 <= ln <= len(data) - off, (ln, len(data), off)
            replies += 1
            errors += t == 2
            off += (ln + 3) & ~3
        assert off >= len(data), (off, len(data))
for i in range(3000):
    t = rng.choice([rng.randrange(0, 130), 18, 22, 26, 16, 20, 24])
    body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 4, 8, 12, 16, 24, 40, rng.randrange(200)])))
    if rng.random() < 0.5 and len(body) >= 12:   # attributes with odd lengths after a 12- or 16-byte header
        hdr = body[:12]
        lengths = [0, 2, 3, 4, 5, 8, 0xffff, rng.randrange(64)]
        attrs = b"".join(struct.pack("=HH", rng.choice(lengths), rng.randrange(40)) + bytes(rng.randrange(8))
                         for _ in range(rng.randrange(5)))
        body = hdr + attrs
    flags = rng.choice([1, 5, 0x301, 0x305, 0x101, 0, rng.randrange(65536)])
    ln = 16 + len(body)
    if rng.random() < 0.1:
        ln = rng.choice([0, 8, 15, ln + 4, 0xffffffff, rng.randrange(1 << 16)])
    try:
        s.send(struct.pack("=IHHII", ln, t, flags, i, 0) + body)
    except OSError as e:
        pass
    drain()
print("ok", replies > 1000, errors > 100)
"""


@pytest.mark.parametrize("network, seed", [("none", "1"), ("user", "2")])
def test_random_requests(pkgload: Path, tmp_path: Path, network: str, seed: str) -> None:
    """3,000 random requests: each answer is a chain of whole messages, errors among them."""
    guest = run_guest(pkgload, tmp_path, network, "/usr/bin/python3", "-c", NETLINK_FUZZ, seed)
    assert guest.stdout == b"ok True True\n"
