"""PostgreSQL 15 from Debian's postgresql-15, as its own user, natively and in one `pkgload run`.

The part of PostgreSQL that needs no sockets: initdb, which forks and execs
postgres again and again (the --check probes of max_connections and
shared_buffers, the bootstrap, the post-bootstrap backend), then a
stand-alone backend answering SQL. Every postgres makes its shared memory
as on Linux: an anonymous MAP_SHARED mapping of shared_buffers' size, a
small System V segment keyed by the data folder (shmget IPC_CREAT|IPC_EXCL,
shmat, shmdt, IPC_RMID), and POSIX segments in /dev/shm (shm_open,
ftruncate, posix_fallocate, mmap); its semaphores are POSIX ones in that
shared memory. The same script runs on the host (as user postgres, through
setpriv) and in the guest (--user postgres) with the same data folder
path under /tmp: stdout, stderr and status must match.

Then the server over its unix socket: initdb, `pg_ctl start` (postgres -k
SOCKDIR, no TCP listener), psql with SQL, pgbench -i and a bounded pgbench
run of 4 clients in which every transaction must succeed, `pg_ctl stop -m
fast`: the postmaster forks a backend per connection and talks to its
clients over AF_UNIX stream sockets.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV, RUN_CWD

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"
DATA = f"/tmp/pkgload-pg-{os.getpid()}"
LOG = f"{DATA}.log"                 # initdb's output, beside the data folder
TIMEOUT = 900  # seconds: initdb runs postgres a dozen times, under TCG
MEMORY = "512M"  # shared_buffers' 128 MB, the image, and the processes
# What postgres and initdb read besides their libraries.
SHIP_DIRS = ("/usr/share/postgresql/15", "/usr/lib/postgresql/15/lib", "/usr/share/zoneinfo",
             "/usr/lib/locale/C.utf8")

SQL = """create table t (a integer, b text);
insert into t select g, md5(g::text) from generate_series(1, 20000) g;
select count(*), sum(a), min(b), max(b) from t;
create index on t (b);
select a from t where b = md5('12345');
select count(*) from pg_class where relkind = 'r';
"""

# dash has no grep or cat: the shell's own loop picks initdb's lines.
SCRIPT = f"""
{PG_BIN}/initdb -D {DATA} --no-sync -A trust > {LOG} 2>&1
status=$?
echo "initdb: $status"
while IFS= read -r line; do
    case $line in
        "selecting dynamic"*|"selecting default max"*|"selecting default shared"*|"running bootstrap"*) echo "$line";;
    esac
done < {LOG}
[ $status -eq 0 ] || exit $status
{PG_BIN}/postgres --single -D {DATA} postgres 2>/dev/null <<'EOF'
{SQL}EOF
echo "postgres: $?"
"""


def _run(cmd: list[str], extra_env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                          env={**GUEST_BASE_ENV, **(extra_env or {})},
                          cwd=RUN_CWD, timeout=TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def fresh_data() -> object:
    """Remove the host's data folder and log before and after the native run."""
    shutil.rmtree(DATA, ignore_errors=True)
    Path(LOG).unlink(missing_ok=True)
    yield
    shutil.rmtree(DATA, ignore_errors=True)
    Path(LOG).unlink(missing_ok=True)


def test_postgres_is_installed() -> None:
    """tools/setup installs postgresql-15; without it the test below would mean nothing."""
    missing = [p for p in ("initdb", "postgres") if not (PG_BIN / p).exists()]
    assert not missing, f"{PG_BIN}: {missing} missing (tools/setup installs postgresql-15)"


def test_initdb_and_backend_same_as_native(pkgload: Path, tmp_path: Path, fresh_data: object) -> None:
    """initdb and a stand-alone backend give the same output in the guest as on the host."""
    native = _run(["setpriv", f"--reuid={PG_USER}", f"--regid={PG_USER}", "--init-groups",
                   "/bin/sh", "-c", SCRIPT])
    ship = [arg for d in SHIP_DIRS for arg in ("--dir", d)]
    guest = _run([str(pkgload), "run", "-m", MEMORY, "--user", PG_USER, "--log", str(tmp_path / "kernel.log"),
                  "--with", str(PG_BIN / "initdb"), "--with", str(PG_BIN / "postgres"), *ship,
                  "--", "/bin/sh", "-c", SCRIPT],
                 {"XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]})  # the session's (tests/conftest.py)
    assert native[0] == 0 and b"initdb: 0" in native[1], f"the native run failed: {native}"
    log = (tmp_path / "kernel.log").read_text(errors="replace").splitlines()[-20:]
    assert guest == native, (
        f"under pkgload:\nstatus {guest[0]}\nstdout {guest[1].decode(errors='replace')}\n"
        f"stderr {guest[2].decode(errors='replace')}\nnatively:\nstdout {native[1].decode(errors='replace')}\n"
        "kernel log tail:\n" + "\n".join(log))


SERVER_DATA = f"/tmp/pkgload-pgs-{os.getpid()}"
SERVER_SQL = """create table t (a integer, b text);
insert into t select g, md5(g::text) from generate_series(1, 2000) g;
select count(*), sum(a), min(b), max(b) from t;
select a from t where b = md5('1234');
"""
BENCH_TRANSACTIONS = 50  # per client; -t keeps the run short under TCG
CLIENT_BINS = ("initdb", "postgres", "pg_ctl", "psql", "pgbench")

# pgbench's timings go to stderr as "tps = ..." lines, which the test takes
# out before comparing (and reports); the counts go to stdout.
SERVER_SCRIPT = f"""
B={PG_BIN}
D={SERVER_DATA}
S=$D.sock
$B/initdb -D $D --no-sync -A trust > $D.log 2>&1
echo "initdb: $?"
mkdir $S
$B/pg_ctl -D $D -l $D.server.log -w -o "-k $S -c listen_addresses=" start > /dev/null
echo "pg_ctl start: $?"
$B/psql -X -h $S -d postgres -v ON_ERROR_STOP=1 <<'SQL'
{SERVER_SQL}SQL
echo "psql: $?"
$B/pgbench -h $S -i -s 1 postgres > $D.bench.log 2>&1
echo "pgbench -i: $?"
$B/pgbench -h $S -c 4 -t {BENCH_TRANSACTIONS} postgres > $D.bench.log 2>&1
echo "pgbench: $?"
while IFS= read -r line; do
    case $line in
        "number of transactions actually"*|"number of failed"*|"number of clients"*) echo "$line";;
        "tps ="*) echo "$line" >&2;;
    esac
done < $D.bench.log
$B/pg_ctl -D $D -m fast -w stop > /dev/null
echo "pg_ctl stop: $?"
"""


@pytest.fixture
def fresh_server_data() -> object:
    """Remove the host's server folders and logs before and after the native run."""
    def clean() -> None:
        for suffix in ("", ".sock"):
            shutil.rmtree(SERVER_DATA + suffix, ignore_errors=True)
        for suffix in (".log", ".server.log", ".bench.log"):
            Path(SERVER_DATA + suffix).unlink(missing_ok=True)
    clean()
    yield
    clean()


def _split_tps(stderr: bytes) -> tuple[bytes, list[str]]:
    """Return stderr without pgbench's "tps = " lines, and those lines."""
    lines = stderr.decode(errors="replace").splitlines(keepends=True)
    tps = [line.strip() for line in lines if line.startswith("tps = ")]
    return "".join(line for line in lines if not line.startswith("tps = ")).encode(), tps


def test_server_over_unix_socket_same_as_native(pkgload: Path, tmp_path: Path,
                                                fresh_server_data: object) -> None:
    """postgres serves psql and pgbench over its unix socket in the guest as on the host."""
    native = _run(["setpriv", f"--reuid={PG_USER}", f"--regid={PG_USER}", "--init-groups",
                   "/bin/sh", "-c", SERVER_SCRIPT])
    ship = [arg for d in SHIP_DIRS for arg in ("--dir", d)]
    bins = [arg for b in CLIENT_BINS for arg in ("--with", str(PG_BIN / b))]
    guest = _run([str(pkgload), "run", "-m", MEMORY, "--user", PG_USER, "--log", str(tmp_path / "kernel.log"),
                  *bins, "--with", "/bin/mkdir", *ship, "--", "/bin/sh", "-c", SERVER_SCRIPT])
    native_err, native_tps = _split_tps(native[2])
    guest_err, guest_tps = _split_tps(guest[2])
    print(f"pgbench -c 4 -t {BENCH_TRANSACTIONS}: native {native_tps}, pkgload {guest_tps}")
    assert native[0] == 0 and b"pg_ctl stop: 0" in native[1], f"the native run failed: {native}"
    assert b"processed: 200/200" in native[1] and b"number of failed transactions: 0 " in native[1]
    log = (tmp_path / "kernel.log").read_text(errors="replace").splitlines()[-20:]
    assert (guest[0], guest[1], guest_err) == (native[0], native[1], native_err), (
        f"under pkgload:\nstatus {guest[0]}\nstdout {guest[1].decode(errors='replace')}\n"
        f"stderr {guest[2].decode(errors='replace')}\nnatively:\nstdout {native[1].decode(errors='replace')}\n"
        "kernel log tail:\n" + "\n".join(log))
