"""python3 over AF_UNIX sockets, unmodified: the same output natively and under `pkgload run`.

socket.socketpair of both kinds, a threaded AF_UNIX server answering
threaded clients, send_fds/recv_fds (SCM_RIGHTS), and multiprocessing with
the fork start method: a Pipe (a socketpair), a Manager (a server process
on an AF_UNIX socket in a temporary folder) and a Listener/Client pair with
an authentication key. Each script runs natively and in the guest (with
--smp 1 and --smp 2, so the threads meet on two CPUs); stdout, stderr and
the exit status must match.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import kernel_features
from test_differential import GUEST_BASE_ENV, RUN_CWD, RUN_TIMEOUT

PYTHON = "/usr/bin/python3"
NEEDS = ("socket", "socketpair", "bind", "listen", "accept4", "connect", "sendmsg", "recvmsg", "fork")

PAIR = r"""
import os, socket
a, b = socket.socketpair()
a.sendall(b"hello over socketpair")
print("socketpair:", b.recv(100))
a.shutdown(socket.SHUT_WR)
print("after shutdown:", b.recv(100))
b.sendall(b"x" * 100000)
got = 0
while got < 100000:
    got += len(a.recv(65536))
print("100000 bytes back:", got)
a.close(); b.close()
l, r = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
l.send(b"one"); l.send(b"two"); l.send(b"")
print("dgram:", r.recv(10), r.recv(2), r.recv(10))
r.setblocking(False)
try:
    r.recv(10)
except BlockingIOError as e:
    print("empty:", e.errno == 11)
x, y = socket.socketpair()
rfd, wfd = os.pipe()
socket.send_fds(x, [b"fd"], [wfd, rfd])
msg, fds, flags, addr = socket.recv_fds(y, 10, 4)
os.write(fds[0], b"via passed fd")
print("send_fds:", msg, len(fds), os.read(fds[1], 100))
print("type:", x.type, x.family, y.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))
"""

THREADED = r"""
import os, socket, tempfile, threading
d = tempfile.mkdtemp()
path = os.path.join(d, "srv.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
print("server name:", srv.getsockname() == path, oct(os.stat(path).st_mode))

def serve(n):
    for _ in range(n):
        conn, _ = srv.accept()
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(7)
                if not chunk:
                    break
                data += chunk
            conn.sendall(data.upper() * 1000)

def client(i, out):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(path)
        c.sendall(b"client %d line\n" % i)
        got = b""
        while chunk := c.recv(65536):
            got += chunk
        out[i] = (len(got), got[:15])

t = threading.Thread(target=serve, args=(6,))
t.start()
out = {}
cs = [threading.Thread(target=client, args=(i, out)) for i in range(6)]
for c in cs:
    c.start()
for c in cs:
    c.join()
t.join()
srv.close()
os.unlink(path)
os.rmdir(d)
print("threaded clients:", sorted(out.items()))
"""

MULTIPROCESSING = r"""
import os, tempfile, multiprocessing as mp
from multiprocessing.connection import Listener, Client

def worker(conn):
    conn.send({"child": os.getpid() != os.getppid(), "sum": sum(conn.recv())})
    conn.close()

def add(i, dct, lst):
    dct[i] = i * i
    lst.append(i)

def call(addr):
    with Client(addr, family="AF_UNIX", authkey=b"key") as c:
        c.send(["ping", 1])
        c.send(c.recv() + "!")

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    p1, p2 = ctx.Pipe()
    pr = ctx.Process(target=worker, args=(p2,))
    pr.start()
    p1.send(list(range(100)))
    print("Pipe:", p1.recv())
    pr.join()
    print("exit", pr.exitcode)
    with ctx.Manager() as m:
        dct, lst = m.dict(), m.list()
        ps = [ctx.Process(target=add, args=(i, dct, lst)) for i in range(3)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        print("Manager:", sorted(dct.items()), sorted(lst))
    d = tempfile.mkdtemp()
    addr = os.path.join(d, "listener.sock")
    with Listener(addr, family="AF_UNIX", authkey=b"key") as lis:
        pc = ctx.Process(target=call, args=(addr,))
        pc.start()
        with lis.accept() as conn:
            print("Listener got:", conn.recv())
            conn.send("pong")
            print("Listener got:", conn.recv())
        pc.join()
    os.rmdir(d)
    print("done")
"""

SCRIPTS = {"pair": PAIR, "threaded": THREADED, "multiprocessing": MULTIPROCESSING}


def _run(cmd: list[str], env: dict[str, str] | None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          cwd=RUN_CWD, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


def _marks() -> list[pytest.MarkDecorator]:
    lacking = kernel_features.lacking(NEEDS)
    return [pytest.mark.xfail(reason=f"the kernel lacks {', '.join(lacking)}")] if lacking else []


@pytest.mark.parametrize("smp", (1, 2))
@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks()) for n in SCRIPTS])
def test_same_as_native(name: str, smp: int, pkgload: Path) -> None:
    """stdout, stderr and exit status under pkgload equal the native run's."""
    argv = [PYTHON, "-c", SCRIPTS[name]]
    native = _run(argv, dict(GUEST_BASE_ENV))
    assert native[0] == 0 and native[1], f"{name}: the native run failed: {native}"
    guest = _run([str(pkgload), "run", "--smp", str(smp), "--", *argv], None)
    assert guest[0] == native[0], f"status {guest[0]}, natively {native[0]}; stderr: {guest[2]!r}"
    assert guest[1] == native[1]
    assert guest[2] == native[2]
