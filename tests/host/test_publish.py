"""`pkgload run -p` and `--network` on the host: parsing, the port check, QEMU's arguments, the manifest.

The guest side (servers reached through -p) is tests/test_network.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loader import network
from loader.manifest import LAYOUT, encode_manifest, make_manifest
from loader.network import PortInUse, PortMapping, parse_publish


@pytest.mark.parametrize("text, want", [
    ("8080:80", [PortMapping("127.0.0.1", 8080, 80, "tcp")]),
    ("8080:80/tcp", [PortMapping("127.0.0.1", 8080, 80, "tcp")]),
    ("5353:53/udp", [PortMapping("127.0.0.1", 5353, 53, "udp")]),
    ("0.0.0.0:80:8080", [PortMapping("0.0.0.0", 80, 8080, "tcp")]),
    ("192.168.1.2:1:65535/udp", [PortMapping("192.168.1.2", 1, 65535, "udp")]),
    ("8000-8002:80-82", [PortMapping("127.0.0.1", 8000 + i, 80 + i, "tcp") for i in range(3)]),
    ("0.0.0.0:9-9:7-7/udp", [PortMapping("0.0.0.0", 9, 7, "udp")]),
])
def test_publish_syntax(text: str, want: list[PortMapping]) -> None:
    assert parse_publish(text) == want


@pytest.mark.parametrize("text", ["8080", "80:", ":80", "a:80", "8080:80/sctp", "0:80", "80:65536",
                                  "1.2.3:80:80", "[::1]:80:80", "80:80:80:80", "", "8000-8002:80",
                                  "8002-8000:80-78", "1-2000:1-2000", "80-:80", "0-1:1-2"])
def test_bad_publish_is_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_publish(text)


def test_taken_port_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(PortInUse, match=f"127.0.0.1:{port}/tcp is already in use"):
            network.check_ports_free([PortMapping("127.0.0.1", port, 80)])
    network.check_ports_free([PortMapping("127.0.0.1", port, 80)])  # free again once closed


def test_same_port_twice_is_refused() -> None:
    p = PortMapping("127.0.0.1", 1, 80)
    with pytest.raises(PortInUse, match="published twice"):
        network.check_ports_free([p, PortMapping("127.0.0.1", 1, 81)])


def test_qemu_arguments() -> None:
    ports = [*parse_publish("8080:80"), *parse_publish("0.0.0.0:5353:53/udp")]
    assert network.qemu_network_args("user", ports) == [
        "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53",
        "-device", "virtio-net-device,netdev=net0"]
    assert network.qemu_network_args("none", []) == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _field(raw: bytes, name: str) -> bytes:
    f = next(f for f in LAYOUT.fields if f.name == name)
    return raw[f.offset:f.offset + f.size]


def test_manifest_carries_the_interface() -> None:
    raw = encode_manifest(make_manifest("/p", ["p"], [], net=network.get_net_config("user")))
    flags = int.from_bytes(_field(raw, "flags"), "little")
    assert flags & LAYOUT.consts["NET"]
    assert _field(raw, "net_ip4") == bytes([10, 0, 2, 15])
    assert _field(raw, "net_gw4") == bytes([10, 0, 2, 2])
    assert int.from_bytes(_field(raw, "net_prefix4"), "little") == 24
    none = encode_manifest(make_manifest("/p", ["p"], [], net=network.get_net_config("none")))
    assert not int.from_bytes(_field(none, "flags"), "little") & LAYOUT.consts["NET"]
    assert _field(none, "net_ip4") == bytes(4)


def _pkgload(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PKGLOAD_ACCEL": "tcg"}
    return subprocess.run([sys.executable, "-m", "loader", "run", *args], capture_output=True,
                          text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def test_cli_bad_syntax_is_one_line_status_2(tmp_path: Path) -> None:
    proc = _pkgload(tmp_path, "-p", "8080", "/bin/true")
    assert proc.returncode == 2
    assert "Error: Invalid value for '-p' / '--publish': '8080': expected" in proc.stderr
    proc = _pkgload(tmp_path, "--network", "none", "-p", "8080:80", "/bin/true")
    assert proc.returncode == 2 and "needs a network" in proc.stderr


def _listener_after_a_free_port() -> socket.socket:
    """Return a listening socket whose port's predecessor is free now."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        try:
            network.check_ports_free([PortMapping("127.0.0.1", s.getsockname()[1] - 1, 80)])
            return s
        except PortInUse:
            s.close()


def test_cli_range_is_checked_port_by_port(tmp_path: Path) -> None:
    with _listener_after_a_free_port() as s:
        port = s.getsockname()[1]
        proc = _pkgload(tmp_path, "-p", f"{port - 1}-{port}:80-81", "/bin/true")
    assert proc.returncode == 125 and f"127.0.0.1:{port}:81/tcp" in proc.stderr, proc.stderr


def test_cli_taken_port_is_one_line_status_125(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = _pkgload(tmp_path, "-p", f"{port}:80", "/bin/true")
    assert proc.returncode == 125
    assert proc.stderr == f"pkgload: -p 127.0.0.1:{port}:80/tcp: 127.0.0.1:{port}/tcp is already in use on the host\n"


def test_published_port_takes_a_burst_of_connections(tmp_path: Path) -> None:
    """QEMU listens with a backlog of 1; pkgload raises it (network.BACKLOG), as `ss` shows."""
    port = free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PKGLOAD_ACCEL": "tcg"}
    proc = subprocess.Popen([sys.executable, "-m", "loader", "run", "-p", f"{port}:80", "/bin/sleep", "30"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            ss = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
            if ss.split()[2:3] == [str(network.BACKLOG)] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert ss.split()[:3] == ["LISTEN", "0", str(network.BACKLOG)], ss
    finally:
        proc.kill()
        proc.wait()
