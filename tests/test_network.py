"""Servers in the guest reached from the host through `pkgload run -p`, and a guest client
reaching a server on the host, over virtio-net and QEMU's user network.

Unmodified Debian programs and real clients: python3's http.server fetched
with curl, nginx-light serving a static file (and a 404) to curl,
redis-server driven by redis-cli and redis-benchmark, memcached driven by
a Python socket client, caddy (a Go binary) fetched with curl, and python3 in the
guest connecting out to 10.0.2.2 (the host) where the test listens. Host
ports are free ones (bound to port 0 first), readiness is polled, and the
VM is always killed at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV
from test_postgres import MEMORY as PG_MEMORY
from test_postgres import PG_BIN, PG_USER, SHIP_DIRS

READY_TIMEOUT = 120  # seconds for a server to answer: python3 and nginx start slowly under TCG
CLIENT_TIMEOUT = 120
NGINX_MIME = "/etc/nginx/mime.types"


def free_port() -> int:
    """Return a TCP port free on the host's 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def guest_server(pkgload: Path, tmp_path: Path, ports: list[str], *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run `pkgload run -p PORT... ARGS` in the background; kill the VM when done."""
    env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    cmd = [str(pkgload), "run", "--log", str(tmp_path / "kernel.log")]
    for p in ports:
        cmd += ["-p", p]
    out = open(tmp_path / "guest.out", "wb")
    proc = subprocess.Popen([*cmd, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            env=env, cwd="/", start_new_session=True)
    try:
        yield proc
    finally:
        with suppress(ProcessLookupError):  # the caller may have waited for it to end
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        out.close()


def guest_output(tmp_path: Path) -> str:
    """Return what the guest printed and the kernel log's tail, for failure messages."""
    out = (tmp_path / "guest.out").read_bytes().decode(errors="replace")
    log = tmp_path / "kernel.log"
    tail = log.read_bytes().decode(errors="replace")[-3000:] if log.exists() else ""
    return f"guest output:\n{out[-3000:]}\nkernel log tail:\n{tail}"


def wait_until_ready(proc: subprocess.Popen[bytes], tmp_path: Path, probe: list[str],
                     timeout: float = READY_TIMEOUT) -> None:
    """Run PROBE (a client command) until it succeeds; fail if the VM ends or TIMEOUT s pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the guest ended with status {proc.returncode}\n{guest_output(tmp_path)}")
        if subprocess.run(probe, capture_output=True, timeout=CLIENT_TIMEOUT).returncode == 0:
            return
        time.sleep(0.2)
    pytest.fail(f"the server did not answer {probe} in {timeout} s\n{guest_output(tmp_path)}")


def curl(url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["curl", "-sS", "--max-time", "60", *args, url], capture_output=True,
                          timeout=CLIENT_TIMEOUT)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder with index.html and a 1 MiB file of random bytes."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_bytes(b"<html><body>hello from the guest</body></html>\n")
    (root / "blob.bin").write_bytes(os.urandom(1 << 20))
    return root


def test_clients_are_installed() -> None:
    """tools/setup installs them; without them the tests below would mean nothing."""
    for tool in ("curl", "nginx", "redis-server", "redis-cli", "redis-benchmark", "python3"):
        assert shutil.which(tool) or Path("/usr/sbin", tool).exists(), f"{tool}: not installed"


def test_python_http_server(pkgload: Path, tmp_path: Path, site: Path) -> None:
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:8000"], "--dir", f"{site}:/srv",
                      "/usr/bin/python3", "-m", "http.server", "8000", "--bind", "0.0.0.0",
                      "--directory", "/srv") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(proc, tmp_path, ["curl", "-sf", "--max-time", "5", url + "/index.html"])
        for name in ("index.html", "blob.bin"):
            got = curl(f"{url}/{name}", "-f")
            assert got.returncode == 0, got.stderr
            assert got.stdout == (site / name).read_bytes(), f"{name}: the bytes differ"
        missing = curl(f"{url}/nope", "-o", "/dev/null", "-w", "%{http_code}")
        assert missing.stdout == b"404"


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid /tmp/nginx.pid;
events {{ worker_connections 64; }}
http {{
    include {mime};
    access_log off;
    sendfile on;
    client_body_temp_path /tmp/nginx-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    server {{
        listen 8080;
        root /srv;
    }}
}}
"""


def test_nginx_static_file(pkgload: Path, tmp_path: Path, site: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(mime=NGINX_MIME))
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:8080"], "--dir", f"{site}:/srv",
                      "--file", f"{conf}:/etc/nginx/test.conf", "--file", NGINX_MIME,
                      "/usr/sbin/nginx", "-c", "/etc/nginx/test.conf", "-e", "stderr") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(proc, tmp_path, ["curl", "-sf", "--max-time", "5", url + "/index.html"])
        got = curl(f"{url}/blob.bin", "-f")
        assert got.returncode == 0, got.stderr
        want = hashlib.sha256((site / "blob.bin").read_bytes()).hexdigest()
        assert hashlib.sha256(got.stdout).hexdigest() == want
        head = curl(f"{url}/index.html", "-i")
        assert head.stdout.startswith(b"HTTP/1.1 200 OK\r\n") and b"Server: nginx" in head.stdout
        assert head.stdout.endswith((site / "index.html").read_bytes())
        missing = curl(f"{url}/nope", "-o", "/dev/null", "-w", "%{http_code}")
        assert missing.stdout == b"404"


REDIS_ARGS = ("--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no",
              "--dir", "/tmp")
REDIS_SESSION = [
    ("SET", "greeting", "hello guest"), ("GET", "greeting"), ("INCR", "counter"), ("INCR", "counter"),
    ("INCRBY", "counter", "40"), ("LPUSH", "list", "a", "b", "c"), ("LRANGE", "list", "0", "-1"),
    ("GET", "nothing"), ("DEL", "greeting"), ("EXISTS", "greeting"), ("SET",), ("DBSIZE",),
]


def redis_session(port: int) -> list[bytes]:
    """Run REDIS_SESSION with redis-cli against the server at PORT, then redis-benchmark; return
    each command's output, and the benchmark's tests and the keys they left."""
    out = []
    for command in REDIS_SESSION:
        proc = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *command],
                              capture_output=True, timeout=CLIENT_TIMEOUT)
        out.append(proc.stdout + proc.stderr + f"status {proc.returncode}".encode())
    bench = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q", "-n", "20000",
                            "-c", "20", "-t", "set,get"], capture_output=True, timeout=300)
    finals = [line.split(b"\r")[-1].strip() for line in bench.stdout.split(b"\n")]
    print(b"\n".join(finals).decode(errors="replace"))  # the rates, for the record
    out.append(b" ".join(line.split(b":")[0] for line in finals if line))
    out.append(f"benchmark status {bench.returncode}".encode())
    for command in (("DBSIZE",), ("GET", "counter"), ("EXISTS", "key:__rand_int__")):
        out.append(subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *command],
                                  capture_output=True, timeout=CLIENT_TIMEOUT).stdout)
    return out


def native_redis_session(tmp_path: Path) -> list[bytes]:
    """Return redis_session's outputs against the host's own redis-server."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), *REDIS_ARGS[2:]], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "the host's redis-server did not start"
            time.sleep(0.1)
        return redis_session(port)
    finally:
        server.kill()
        server.wait()


def test_redis(pkgload: Path, tmp_path: Path) -> None:
    """redis-server in the guest answers redis-cli and redis-benchmark as the host's own does."""
    native = native_redis_session(tmp_path)
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:6379"], "/usr/bin/redis-server", "--port", "6379",
                      *REDIS_ARGS) as proc:
        wait_until_ready(proc, tmp_path, ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "PING"])
        guest = redis_session(port)
    assert guest == native, guest_output(tmp_path)
    assert native[-5] == b"SET GET", native[-5]


MEMCACHED = "/usr/bin/memcached"
MEMCACHED_KEYS = 1000


class MemcacheClient:
    """The memcached text protocol over one TCP connection (Python's socket module only)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT)
        self.reader = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        return self.reader.readline()

    def command(self, line: bytes, data: bytes | None = None) -> bytes:
        """Send one command (with its data block) and return the reply's first line."""
        self.send(line + b"\r\n" + (b"" if data is None else data + b"\r\n"))
        return self.line()

    def get(self, *keys: bytes) -> dict[bytes, tuple[int, bytes]]:
        """Return {key: (flags, value)} for the KEYS the server has."""
        self.send(b"get " + b" ".join(keys) + b"\r\n")
        found = {}
        while (head := self.line()) != b"END\r\n":
            _, key, flags, size = head.split()
            found[key] = (int(flags), self.reader.read(int(size) + 2)[:-2])
        return found

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def memcached_value(i: int) -> bytes:
    """Key i's value: 1 to 3,000 bytes, every byte value (CR LF inside too)."""
    return bytes((i * 7 + j) % 256 for j in range(1 + (i * 37) % 3000))


def memcached_session(port: int) -> list[bytes]:
    """set/get/incr/delete of MEMCACHED_KEYS keys, each reply checked; return the replies."""
    c = MemcacheClient(port)
    out = []
    n = MEMCACHED_KEYS
    # Pipelined: every set in one stream, then every reply.
    c.send(b"".join(b"set key%d %d 0 %d\r\n%s\r\n" % (i, i % 65536, len(memcached_value(i)),
                                                      memcached_value(i)) for i in range(n)))
    out += [c.line() for _ in range(n)]
    assert set(out) == {b"STORED\r\n"}, set(out)
    for start in range(0, n, 100):
        got = c.get(*(b"key%d" % i for i in range(start, start + 100)))
        assert got == {b"key%d" % i: (i % 65536, memcached_value(i)) for i in range(start, start + 100)}
    out.append(b"got all")
    for i in range(n):
        out.append(c.command(b"set num%d 0 0 %d" % (i, len(str(i))), str(i).encode()))
        out.append(c.command(b"incr num%d %d" % (i, 3 * i + 1)))
        assert out[-1] == b"%d\r\n" % (4 * i + 1), (i, out[-1])
    out.append(c.command(b"decr num5 100"))           # floors at 0
    out.append(c.command(b"incr nosuch 1"))           # NOT_FOUND
    out.append(c.command(b"incr key1 1"))             # CLIENT_ERROR: not a number
    out.append(c.command(b"add key1 0 0 1", b"x"))    # NOT_STORED: it exists
    out.append(c.command(b"replace nosuch 0 0 1", b"x"))
    out.append(c.command(b"append num7 0 0 2", b"00"))
    out.append(c.command(b"prepend num7 0 0 1", b"9"))
    out.append(repr(c.get(b"num7", b"num5", b"nosuch")).encode())
    for i in range(0, n, 2):
        out.append(c.command(b"delete key%d" % i))
    out.append(c.command(b"delete key0"))             # NOT_FOUND the second time
    left = {}
    for start in range(0, n, 100):
        left.update(c.get(*(b"key%d" % i for i in range(start, start + 100))))
    assert sorted(left) == sorted(b"key%d" % i for i in range(1, n, 2))
    out.append(b"left %d" % len(left))
    out.append(c.command(b"bogus command"))
    c.close()
    return out


def native_memcached_session() -> list[bytes]:
    """Return memcached_session's replies from the host's own memcached."""
    port = free_port()
    user = ["-u", "memcache"] if os.geteuid() == 0 else []
    server = subprocess.Popen([MEMCACHED, "-l", "127.0.0.1", "-p", str(port), "-U", "0", *user],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                return memcached_session(port)
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "the host's memcached did not start"
                time.sleep(0.1)
    finally:
        server.kill()
        server.wait()


@pytest.mark.skipif(not Path(MEMCACHED).exists(), reason="memcached is not installed (tools/setup installs it)")
def test_memcached(pkgload: Path, tmp_path: Path) -> None:
    """memcached in the guest (as user memcache: it refuses root) answers a client written with
    Python's socket module as the host's own memcached does: 1,000 keys set in one pipelined
    stream, read back, 1,000 counters incremented, half the keys deleted, and the errors."""
    native = native_memcached_session()
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:11211"], "--user", "memcache", MEMCACHED) as proc:
        probe = ["python3", "-c", "import socket, sys; s = socket.create_connection(('127.0.0.1', "
                 f"{port}), timeout=5); s.sendall(b'version\\r\\n'); sys.exit(s.recv(8) != b'VERSION ')"]
        wait_until_ready(proc, tmp_path, probe)
        guest = memcached_session(port)
    assert guest == native, guest_output(tmp_path)
    assert native[-3:] == [b"NOT_FOUND\r\n", b"left 500", b"ERROR\r\n"]


# In the guest: a cluster made by initdb, opened to QEMU's gateway (where
# connections published with -p come from), then the postmaster itself.
PG_TCP_SCRIPT = f"""
D=/tmp/pg-tcp
{PG_BIN}/initdb -D $D --no-sync -A trust > /tmp/initdb.log 2>&1 || {{
    echo "initdb failed"; while IFS= read -r l; do echo "$l"; done < /tmp/initdb.log; exit 1; }}
echo "host all all 0.0.0.0/0 trust" >> $D/pg_hba.conf
exec {PG_BIN}/postgres -D $D -c listen_addresses='*' -k /tmp
"""
PG_TCP_SQL = """create table t (a integer, b text);
insert into t select g, md5(g::text) from generate_series(1, 2000) g;
select count(*), sum(a), min(b), max(b) from t;
select a from t where b = md5('1234');
select inet_server_port(), inet_client_addr();
"""
PG_READY_TIMEOUT = 600  # initdb runs postgres a dozen times under TCG (about 20 s here)


def pg_client(name: str, port: int, *args: str, timeout: float = CLIENT_TIMEOUT,
              stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the host's psql or pgbench against 127.0.0.1:PORT as user postgres."""
    return subprocess.run([str(PG_BIN / name), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, *args],
                          input=stdin, capture_output=True, timeout=timeout)


@pytest.mark.skipif(not (PG_BIN / "postgres").exists(), reason="postgresql-15 is not installed (tools/setup)")
def test_postgres_over_tcp(pkgload: Path, tmp_path: Path) -> None:
    """PostgreSQL 15 in the guest, as user postgres with listen_addresses='*' and -p PORT:5432,
    serves the host's psql and pgbench over TCP: SQL answers, then pgbench -i -s 1 and a
    bounded pgbench -c 4 -T 10 in which every transaction succeeds."""
    port = free_port()
    ship = [arg for d in SHIP_DIRS for arg in ("--dir", d)]
    with guest_server(pkgload, tmp_path, [f"{port}:5432"], "-m", PG_MEMORY, "--user", PG_USER,
                      "--with", str(PG_BIN / "initdb"), "--with", str(PG_BIN / "postgres"), *ship,
                      "--", "/bin/sh", "-c", PG_TCP_SCRIPT) as proc:
        probe = [str(PG_BIN / "psql"), "-X", "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER,
                 "-d", "postgres", "-c", "select 1"]
        wait_until_ready(proc, tmp_path, probe, PG_READY_TIMEOUT)
        sql = pg_client("psql", port, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", "postgres",
                        stdin=PG_TCP_SQL.encode())
        md5s = sorted(hashlib.md5(str(g).encode()).hexdigest() for g in range(1, 2001))
        want = f"CREATE TABLE\nINSERT 0 2000\n2000|2001000|{md5s[0]}|{md5s[-1]}\n1234\n5432|10.0.2.2\n"
        assert (sql.returncode, sql.stdout.decode(), sql.stderr) == (0, want, b""), guest_output(tmp_path)
        init = pg_client("pgbench", port, "-i", "-s", "1", "postgres", timeout=300)
        assert init.returncode == 0, init.stderr.decode(errors="replace") + guest_output(tmp_path)
        bench = pg_client("pgbench", port, "-c", "4", "-T", "10", "postgres", timeout=300)
    out = bench.stdout.decode(errors="replace")
    print(next((line for line in out.splitlines() if line.startswith("tps")), out))  # for the record
    assert bench.returncode == 0, bench.stderr.decode(errors="replace")
    assert "number of failed transactions: 0 (0.000%)" in out, out
    processed = int(out.split("number of transactions actually processed: ")[1].split()[0])
    assert processed > 0, out


LISTENERS = """
import socket
a = socket.socket(); a.bind(("0.0.0.0", 80)); a.listen()
b = socket.socket(socket.AF_INET6); b.bind(("::", 81)); b.listen()
c = socket.socket(); c.bind(("127.0.0.1", 82)); c.listen()
print("listening")
"""


def test_verbose_says_where_it_listens(pkgload: Path, tmp_path: Path) -> None:
    """--verbose: each listen() the program makes is said on stderr with the host address that
    reaches it, or why none does; without --verbose, nothing is said."""
    port = free_port()
    env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for verbose in (["--verbose"], []):
        proc = subprocess.run([str(pkgload), "run", *verbose, "-p", f"{port}:80", "-p", f"{port}:82/udp",
                               "/usr/bin/python3", "-c", LISTENERS], capture_output=True, env=env, cwd="/",
                              stdin=subprocess.DEVNULL, timeout=CLIENT_TIMEOUT)
        assert (proc.returncode, proc.stdout) == (0, b"listening\n"), proc
        said = [line for line in proc.stderr.decode().splitlines() if line.startswith("pkgload: listening")]
        want = [f"pkgload: listening on tcp 0.0.0.0:80 (published as 127.0.0.1:{port})",
                "pkgload: listening on tcp [::]:81 (not published)",
                "pkgload: listening on tcp 127.0.0.1:82 (not published)"]
        assert said == (want if verbose else []), proc.stderr.decode()


CADDY = "/usr/bin/caddy"


@pytest.mark.skipif(not Path(CADDY).exists(), reason="caddy is not installed (tools/setup installs it)")
def test_caddy_respond(pkgload: Path, tmp_path: Path) -> None:
    """caddy (a Go binary: its netpoller, goroutines, TLS storage) answers with a fixed body."""
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:8080"], CADDY, "respond", "--listen", ":8080",
                      "hello from caddy") as proc:
        url = f"http://127.0.0.1:{port}/"
        wait_until_ready(proc, tmp_path, ["curl", "-sf", "--max-time", "5", url])
        for path in ("", "any/path?x=1"):
            got = curl(url + path, "-i")
            assert got.returncode == 0, got.stderr
            head, _, body = got.stdout.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nServer: Caddy" in head, head
            assert body == b"hello from caddy"


@pytest.mark.skipif(not Path(CADDY).exists(), reason="caddy is not installed (tools/setup installs it)")
def test_caddy_file_server(pkgload: Path, tmp_path: Path, site: Path) -> None:
    """caddy file-server serves a folder: a 1 MiB file (sha256), the index, a 404."""
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:8080"], "--dir", f"{site}:/srv", CADDY,
                      "file-server", "--listen", ":8080", "--root", "/srv") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(proc, tmp_path, ["curl", "-sf", "--max-time", "5", url + "/index.html"])
        got = curl(f"{url}/blob.bin", "-f")
        assert got.returncode == 0, got.stderr
        want = hashlib.sha256((site / "blob.bin").read_bytes()).hexdigest()
        assert hashlib.sha256(got.stdout).hexdigest() == want
        assert curl(url + "/", "-f").stdout == (site / "index.html").read_bytes()
        missing = curl(f"{url}/nope", "-o", "/dev/null", "-w", "%{http_code}")
        assert missing.stdout == b"404"


GUEST_CLIENT = """
import hashlib, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
s.sendall(b"x" * 100000 + b"\\n")
got = b""
while chunk := s.recv(65536):
    got += chunk
print(len(got), hashlib.sha256(got).hexdigest(), s.getsockname()[0])
"""


def test_guest_connects_out_to_the_host(pkgload: Path, tmp_path: Path) -> None:
    """A guest client reaches a server the test runs on the host, at QEMU's gateway 10.0.2.2."""
    reply = os.urandom(300000)
    received: list[bytes] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(CLIENT_TIMEOUT)

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                received.append(data)
                conn.sendall(reply)

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
        proc = subprocess.run([str(pkgload), "run", "/usr/bin/python3", "-c", GUEST_CLIENT, "10.0.2.2",
                               str(listener.getsockname()[1])], capture_output=True, env=env, cwd="/",
                              stdin=subprocess.DEVNULL, timeout=CLIENT_TIMEOUT)
        server.join(timeout=10)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert received == [b"x" * 100000 + b"\n"]
    want = f"{len(reply)} {hashlib.sha256(reply).hexdigest()} 10.0.2.15\n"
    assert proc.stdout.decode() == want


GUEST_CLIENT6 = """
import socket, sys
s = socket.create_connection(("fec0::2", int(sys.argv[1])), timeout=60)
s.sendall(b"hello over IPv6\\n")
print(s.recv(100).decode())
"""


def test_guest_connects_out_over_ipv6(pkgload: Path, tmp_path: Path) -> None:
    """IPv6 from the first moment: the link-local address needs no DAD, QEMU's router fec0::2 is the host's ::1."""
    with socket.socket(socket.AF_INET6) as listener:
        listener.bind(("::1", 0))
        listener.listen()
        listener.settimeout(CLIENT_TIMEOUT)
        received: list[bytes] = []

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                received.append(conn.recv(100))
                conn.sendall(b"hi back")

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
        proc = subprocess.run([str(pkgload), "run", "/usr/bin/python3", "-c", GUEST_CLIENT6,
                               str(listener.getsockname()[1])], capture_output=True, env=env, cwd="/",
                              stdin=subprocess.DEVNULL, timeout=CLIENT_TIMEOUT)
        server.join(timeout=10)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"hi back\n", b"")
    assert received == [b"hello over IPv6\n"]


UDP_ECHO = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(data[::-1], peer)
"""


def test_udp_published_port(pkgload: Path, tmp_path: Path) -> None:
    """-p PORT/udp: datagrams up to 8000 bytes (IP fragments both ways) echoed reversed."""
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:5353/udp"], "/usr/bin/python3", "-c", UDP_ECHO) as proc:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            deadline = time.monotonic() + READY_TIMEOUT
            while True:  # the first datagrams may come before the guest listens, and are lost
                assert proc.poll() is None and time.monotonic() < deadline, guest_output(tmp_path)
                s.sendto(b"ping", ("127.0.0.1", port))
                try:
                    assert s.recvfrom(100)[0] == b"gnip"
                    break
                except TimeoutError:
                    pass
            s.settimeout(CLIENT_TIMEOUT)
            for n in (1, 1000, 1472, 1473, 8000):
                data = os.urandom(n)
                s.sendto(data, ("127.0.0.1", port))
                reply = b"gnip"
                while reply == b"gnip":  # answers to pings sent while the guest was starting
                    reply = s.recvfrom(65536)[0]
                assert reply == data[::-1], n


NO_NETWORK = """
import errno, socket
def attempt(addr):
    s = socket.socket()
    s.settimeout(30)
    try:
        s.connect(addr)
        return "connected"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
print("10.0.2.2:9", attempt(("10.0.2.2", 9)))
print("127.0.0.1:9", attempt(("127.0.0.1", 9)))
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
print("loopback", attempt(listener.getsockname()))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    udp.sendto(b"x", ("10.0.2.3", 53))
    print("udp sent")
except OSError as e:
    print("udp", errno.errorcode[e.errno])
"""


def test_no_network_is_an_empty_namespace(pkgload: Path, tmp_path: Path) -> None:
    """--network none: only loopback, as Linux in a network namespace with only lo up
    (docker's --network none); with the network, the same script reaches the host."""
    native = subprocess.run(["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec python3 -c "$0"',
                             NO_NETWORK], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert native.returncode == 0, native.stderr
    env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    guest = subprocess.run([str(pkgload), "run", "--network", "none", "/usr/bin/python3", "-c", NO_NETWORK],
                           capture_output=True, env=env, cwd="/", stdin=subprocess.DEVNULL,
                           timeout=CLIENT_TIMEOUT)
    assert (guest.returncode, guest.stdout, guest.stderr) == (0, native.stdout, native.stderr)
    assert native.stdout.startswith(b"10.0.2.2:9 ENETUNREACH\n")
    user = subprocess.run([str(pkgload), "run", "/usr/bin/python3", "-c", NO_NETWORK], capture_output=True,
                          env=env, cwd="/", stdin=subprocess.DEVNULL, timeout=CLIENT_TIMEOUT)
    # QEMU answers for the host: nothing listens on its port 9, so a reset.
    assert user.stdout == native.stdout.replace(b"10.0.2.2:9 ENETUNREACH", b"10.0.2.2:9 ECONNREFUSED") \
        .replace(b"udp ENETUNREACH", b"udp sent")


MY_ADDRESS = """
import socket
for family, dst in ((socket.AF_INET, "8.8.8.8"), (socket.AF_INET, "10.0.2.2"),
                    (socket.AF_INET6, "2001:4860:4860::8888"), (socket.AF_INET6, "fec0::2")):
    # TCP only to QEMU's gateway (the host's loopback): UDP's connect sends nothing
    host = dst in ("10.0.2.2", "fec0::2")
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM) if host else (socket.SOCK_DGRAM,):
        s = socket.socket(family, kind)
        s.setblocking(kind == socket.SOCK_DGRAM)
        try:
            s.connect((dst, 80))
            print(dst, kind, s.getsockname()[0])
        except BlockingIOError:
            print(dst, kind, "in progress")
        except OSError as e:
            print(dst, kind, e)
        s.close()
"""


def test_where_a_connection_would_leave_from(pkgload: Path, tmp_path: Path) -> None:
    """The "what is my address" idiom (connect a UDP socket, read getsockname) names the guest's
    address for each family; with --network none every destination off the host is unreachable
    at connect, IPv6 too (lwIP alone would route it to loopback), as in a Linux namespace."""
    env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    native = subprocess.run(["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec python3 -c "$0"',
                             MY_ADDRESS], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert native.returncode == 0, native.stderr
    runs = {}
    for network in ("none", "user"):
        runs[network] = subprocess.run([str(pkgload), "run", "--network", network, "/usr/bin/python3", "-c",
                                        MY_ADDRESS], capture_output=True, env=env, cwd="/",
                                       stdin=subprocess.DEVNULL, timeout=CLIENT_TIMEOUT)
    assert (runs["none"].returncode, runs["none"].stdout) == (0, native.stdout)
    assert native.stdout.count(b"[Errno 101] Network is unreachable") == 6
    dgram, stream = int(socket.SOCK_DGRAM), int(socket.SOCK_STREAM)
    assert runs["user"].stdout.decode().splitlines() == [
        f"8.8.8.8 {dgram} 10.0.2.15", f"10.0.2.2 {dgram} 10.0.2.15", f"10.0.2.2 {stream} in progress",
        f"2001:4860:4860::8888 {dgram} fec0::5054:ff:fe12:3456",
        f"fec0::2 {dgram} fec0::5054:ff:fe12:3456", f"fec0::2 {stream} in progress"]


RESOLVE = """
import socket
for name in ("example.com", "pkgload-test.invalid"):
    try:
        print(name, sorted({a[4][0] for a in socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)}))
    except OSError as e:
        print(name, e)
"""


def test_names_resolve_as_on_the_host(pkgload: Path, tmp_path: Path) -> None:
    """glibc's resolver in the guest asks QEMU's DNS relay (/etc/resolv.conf: 10.0.2.3), which asks
    the host's resolver: the same answers (or the same failures) as python3 on the host gets."""
    native = subprocess.run(["python3", "-c", RESOLVE], capture_output=True, timeout=CLIENT_TIMEOUT)
    env = {**GUEST_BASE_ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    guest = subprocess.run([str(pkgload), "run", "/usr/bin/python3", "-c", RESOLVE], capture_output=True,
                           env=env, cwd="/", stdin=subprocess.DEVNULL, timeout=CLIENT_TIMEOUT)
    assert (guest.returncode, guest.stdout, guest.stderr) == (native.returncode, native.stdout, native.stderr)
    assert b"pkgload-test.invalid [Errno -2] Name or service not known" in native.stdout
