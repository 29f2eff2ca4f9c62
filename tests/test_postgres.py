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
