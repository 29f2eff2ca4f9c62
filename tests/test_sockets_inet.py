"""python3's servers and clients over loopback TCP/IP, natively and under `pkgload run`.

Each case is one unmodified python3 (Debian's) running a server and its
clients in the same program, over 127.0.0.1 or ::1, with no NIC in the
guest: http.server (ThreadingHTTPServer, files through SimpleHTTPRequestHandler
and a handler of its own) fetched with urllib, socketserver with a forked
client, asyncio TCP echo with many concurrent clients and asyncio UDP, and
a server restarted on its port (SO_REUSEADDR and TIME_WAIT). The
output (statuses, sizes, digests, echoed lines; never ports or times) and
exit status must be the same both ways.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import kernel_features
from test_differential import GUEST_BASE_ENV, RUN_CWD, RUN_TIMEOUT

PYTHON = Path("/usr/bin/python3")
NEEDS = ("socket", "accept4", "epoll_create1", "clone")

HTTP_SCRIPT = r"""
import hashlib, http.server, os, socket, sys, tempfile, threading, urllib.error, urllib.request

class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = hashlib.sha256(body).hexdigest().encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

class Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

root = tempfile.mkdtemp()
data = bytes((i * 7 + i // 251) % 256 for i in range(300000))
with open(os.path.join(root, "big.bin"), "wb") as f:
    f.write(data)
with open(os.path.join(root, "index.html"), "w") as f:
    f.write("<h1>hello from the guest</h1>\n")
print("file sha256", hashlib.sha256(data).hexdigest())

def handler(*args, **kwargs):
    return Quiet(*args, directory=root, **kwargs)

for cls, host, url_host in ((http.server.ThreadingHTTPServer, "127.0.0.1", "127.0.0.1"),
                            (Server6, "::1", "[::1]")):
    srv = cls((host, 0), handler)
    port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever)
    t.start()
    base = f"http://{url_host}:{port}"
    with urllib.request.urlopen(base + "/") as r:
        print(host, "GET /", r.status, r.read().decode().strip())
    for i in range(3):
        with urllib.request.urlopen(base + "/big.bin") as r:
            body = r.read()
            print(host, "GET /big.bin", r.status, len(body), hashlib.sha256(body).hexdigest())
    try:
        urllib.request.urlopen(base + "/missing")
    except urllib.error.HTTPError as e:
        print(host, "GET /missing", e.code)
    req = urllib.request.Request(base + "/upload", data=data[:100000], method="POST")
    with urllib.request.urlopen(req) as r:
        print(host, "POST", r.status, r.read().decode())
    srv.shutdown()
    srv.server_close()
    t.join()
print("done")
"""

SOCKETSERVER_SCRIPT = r"""
import os, socket, socketserver

class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())

srv = socketserver.TCPServer(("127.0.0.1", 0), Upper)
port = srv.server_address[1]
pid = os.fork()
if pid == 0:
    srv.server_close()
    for n in range(3):
        with socket.create_connection(("127.0.0.1", port)) as s:
            f = s.makefile("rwb")
            for i in range(5):
                f.write(b"line %d of client %d\n" % (i, n))
                f.flush()
                print(f.readline().decode().strip(), flush=True)
    os._exit(0)
for n in range(3):
    srv.handle_request()
_, status = os.waitpid(pid, 0)
print("client status", status)
srv.server_close()
"""

ASYNCIO_SCRIPT = r"""
import asyncio, hashlib

async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()

async def client(host, port, n):
    reader, writer = await asyncio.open_connection(host, port)
    got = []
    for i in range(20):
        msg = b"client %d message %d " % (n, i) + b"x" * (i * 300) + b"\n"
        writer.write(msg)
        await writer.drain()
        got.append(await reader.readline() == msg)
    writer.write_eof()
    rest = await reader.read()
    writer.close()
    await writer.wait_closed()
    return all(got) and rest == b""

class Udp(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data[::-1], addr)

class UdpClient(asyncio.DatagramProtocol):
    def __init__(self, done):
        self.done = done
        self.got = []

    def datagram_received(self, data, addr):
        self.got.append(data)
        if len(self.got) == 5:
            self.done.set_result(self.got)

async def main():
    for host in ("127.0.0.1", "::1"):
        server = await asyncio.start_server(echo, host, 0)
        port = server.sockets[0].getsockname()[1]
        results = await asyncio.gather(*(client(host, port, n) for n in range(25)))
        print(host, "tcp clients ok:", sum(results), "of", len(results))
        server.close()
        await server.wait_closed()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Udp, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    done = loop.create_future()
    ctransport, proto = await loop.create_datagram_endpoint(lambda: UdpClient(done),
                                                            remote_addr=("127.0.0.1", port))
    for i in range(5):
        ctransport.sendto(b"datagram %d" % i)
    print("udp", sorted(await asyncio.wait_for(done, 10)))
    ctransport.close()
    transport.close()

asyncio.run(main())
"""

# A server restarted on its port: SO_REUSEADDR past TIME_WAIT, not beside a
# listener, and EADDRINUSE without it; servers bound to 0.0.0.0.
REUSE_SCRIPT = r"""
import socket, errno
def srv(port=0, reuse=True, host=""):
    s = socket.socket()
    if reuse: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(5); return s
s = srv()
port = s.getsockname()[1]
print("bound", s.getsockname()[0])
c = socket.create_connection(("127.0.0.1", port))
a, peer = s.accept()
print("accepted from", peer[0], "local", a.getsockname()[0])
a.sendall(b"hi"); print(c.recv(10))
a.close(); s.close()  # server closes first: TIME_WAIT on the server side
c.close()
try:
    s2 = srv(port); print("rebind with SO_REUSEADDR ok"); s2.close()
except OSError as e: print("rebind failed", errno.errorcode[e.errno])
s3 = srv(port)
try:
    s4 = srv(port); print("second listener ok?!")
except OSError as e: print("second listener", errno.errorcode[e.errno])
s3.close()
# no reuseaddr: after TIME_WAIT from a server-side close
s = srv(reuse=False); port = s.getsockname()[1]
c = socket.create_connection(("127.0.0.1", port)); a, _ = s.accept(); a.close(); c.recv(1); c.close(); s.close()
try:
    srv(port, reuse=False); print("rebind without SO_REUSEADDR ok")
except OSError as e: print("rebind without SO_REUSEADDR", errno.errorcode[e.errno])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("", 0)); p = u.getsockname()[1]
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v.sendto(b"x", ("127.0.0.1", p))
d, f = u.recvfrom(10); print("udp any", d, f[0])
ports = []
for i in range(100):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); ports.append(t.getsockname()[1]); t.close()
    w = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); w.sendto(b"x", ("::1", 9))
    ports.append(w.getsockname()[1]); w.close()
print("ports picked in 32768-60999:", all(32768 <= p <= 60999 for p in ports))
"""

CASES = {"http_server": HTTP_SCRIPT, "socketserver_fork": SOCKETSERVER_SCRIPT,
         "asyncio": ASYNCIO_SCRIPT, "reuseaddr": REUSE_SCRIPT}


def _marks() -> list[pytest.MarkDecorator]:
    lacking = kernel_features.lacking(NEEDS)
    return [pytest.mark.xfail(reason=f"the kernel lacks {', '.join(lacking)}")] if lacking else []


def _run(cmd: list[str], env: dict[str, str] | None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          cwd=RUN_CWD, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks()) for n in CASES])
def test_same_as_native(name: str, pkgload: Path) -> None:
    """stdout, stderr and exit status under pkgload equal the native run's."""
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON}: not installed, run tools/setup", pytrace=False)
    argv = [str(PYTHON), "-c", CASES[name]]
    native = _run(argv, dict(GUEST_BASE_ENV))
    assert native[0] == 0 and native[1], f"{name}: natively {native}"
    guest = _run([str(pkgload), "run", "--", *argv], None)
    assert guest[0] == native[0], f"status {guest[0]}, natively {native[0]}; stderr: {guest[2]!r}"
    assert guest[1] == native[1]
    assert guest[2] == native[2]
