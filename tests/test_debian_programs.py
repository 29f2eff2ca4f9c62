"""Unmodified Debian programs: the same stdout, stderr and status natively and under `pkgload run`.

Each case runs the host's own binary twice, natively and in the guest, with
the differential tests' environment and cwd. Files a case reads are in a
folder made here and shipped with --dir (or --file) at their own host path,
so both runs see the same paths; their mtimes are set to 0, the mtime the
image gives every file. Files a case writes go to /tmp under a name of its
own and are removed after the native run (the guest's /tmp starts empty).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV, RUN_CWD, RUN_TIMEOUT

SCRATCH = f"/tmp/pkgload-debian-{os.getpid()}"  # what the programs write, on the host

PY_SCRIPT = f"""
import datetime, decimal, hashlib, json, re, sqlite3
doc = json.loads('{{"b": [1, 2.5, null], "a": "\\\\u00e9t\\\\u00e9"}}')
print(json.dumps(doc, sort_keys=True), json.dumps(doc, ensure_ascii=False, sort_keys=True))
print(hashlib.sha256(b"pkgload").hexdigest(), hashlib.md5(b"x" * 1000).hexdigest())
print(re.findall(r"(\\w+)@(\\w+)\\.org", "a@b.org, c@d.org"), re.sub(r"\\d+", "#", "a1b22c333"))
d = datetime.datetime(2024, 2, 28, 23, 30) + datetime.timedelta(hours=2)
print(d.isoformat(), d.strftime("%A %j"), datetime.date(2024, 1, 1).isocalendar())
decimal.getcontext().prec = 40
print(decimal.Decimal(1) / decimal.Decimal(7), decimal.Decimal("0.1") * 3)
db = sqlite3.connect(":memory:")
db.execute("create table t (k integer primary key, v text)")
db.executemany("insert into t (v) values (?)", [(str(i * i),) for i in range(500)])
print(db.execute("select count(*), sum(length(v)), max(v) from t").fetchone())
path = "{SCRATCH}.py.txt"
with open(path, "w") as f:
    f.write("line %d\\n" * 3 % (1, 2, 3))
with open(path) as f:
    print(f.read().splitlines(), end=" ")
import os
print(os.path.getsize(path)); os.unlink(path)
"""

SQL = """
create table t (id integer primary key, name text, n integer);
begin;
with recursive c(i) as (select 1 union all select i + 1 from c where i < 10000)
insert into t (name, n) select 'row' || i, (i * 7919) % 1000 from c;
commit;
select count(*), sum(n), min(name), max(name) from t;
select n, count(*) from t group by n order by count(*) desc, n limit 3;
select name from t where id in (1, 5000, 10000);
"""

LUA = """
local t = {}
for i = 1, 20 do t[#t + 1] = (i * 37) % 23 end
table.sort(t)
print(table.concat(t, ","))
print(string.format("%5.2f %d %s", math.pi, 2^10 // 1, ("abc"):rep(3):upper()))
print(("hello world"):gsub("o", "0"), #arg, select("#", 1, 2, 3))
"""

AWK = '{ s += $2; n[$1]++ } END { print s, NR; print n["apple"], n["pear"] }'
SH = ('x=0; for i in 1 2 3 4; do x=$((x + i * i)); done; echo "sum $x"; '
      'printf "%s|%05d\\n" abc 42; set -- a b c; echo "$# $2"; '
      'test -f {d}/fruit.txt && echo file; case foo in f*) echo glob;; esac; exit 3')


@dataclass(frozen=True)
class Program:
    """A host program, its arguments, and what to ship with it ({d}: the data folder)."""

    name: str
    argv: tuple[str, ...]
    ship: tuple[str, ...] = ("--dir", "{d}")


CASES = [
    Program("python3", ("/usr/bin/python3", "-c", PY_SCRIPT), ()),
    Program("busybox-cat", ("/bin/busybox", "cat", "{d}/fruit.txt", "{d}/numbers.txt")),
    Program("busybox-wc", ("/bin/busybox", "wc", "{d}/fruit.txt", "{d}/numbers.txt")),
    Program("busybox-sort", ("/bin/busybox", "sort", "-k2,2n", "-r", "{d}/fruit.txt")),
    Program("busybox-sha256sum", ("/bin/busybox", "sha256sum", "{d}/fruit.txt", "{d}/link")),
    Program("busybox-find", ("/bin/busybox", "find", "{d}", "-name", "*.lst", "-type", "f")),
    Program("busybox-awk", ("/bin/busybox", "awk", AWK, "{d}/fruit.txt")),
    Program("busybox-sh", ("/bin/busybox", "sh", "-c", SH)),
    Program("sqlite3", ("/usr/bin/sqlite3", f"{SCRATCH}.db", SQL), ()),
    Program("lua5.4", ("/usr/bin/lua5.4", "-e", LUA), ()),
    # ls -l asks libselinux for each file's label (lgetxattr): ENODATA, as on Linux.
    Program("ls", ("/usr/bin/ls", "-l", "{d}/fruit.txt", "{d}/numbers.txt", "{d}/run.sh",
                   "{d}/link")),
    Program("sort", ("/usr/bin/sort", "-t", " ", "-k1,1", "-k2,2n", "{d}/fruit.txt"),
            ("--file", "{d}/fruit.txt")),
    Program("sha256sum", ("/usr/bin/sha256sum", "{d}/fruit.txt", "{d}/numbers.txt"),
            ("--file", "{d}/fruit.txt", "--file", "{d}/numbers.txt")),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of small files with fixed mtimes (0, as in the image)."""
    d = tmp_path_factory.mktemp("debian-data")
    fruit = ["apple 3", "pear 10", "fig 7", "apple 12", "kiwi 1", "pear 2", "date 40"]
    (d / "fruit.txt").write_text("\n".join(fruit) + "\n")
    (d / "numbers.txt").write_text("".join(f"{i * i}\n" for i in range(100)))
    (d / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (d / "run.sh").chmod(0o755)
    (d / "sub" / "deeper").mkdir(parents=True)
    (d / "sub" / "deeper" / "only.lst").write_text("x\n")
    (d / "link").symlink_to("fruit.txt")
    for p in [*d.rglob("*"), d]:
        os.utime(p, (0, 0), follow_symlinks=False)
    return d


def _fill(args: tuple[str, ...], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in args]


def _run(cmd: list[str], env: dict[str, str] | None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          cwd=RUN_CWD, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_same_as_native(case: Program, data_dir: Path, pkgload: Path) -> None:
    if not os.path.exists(case.argv[0]):
        pytest.fail(f"{case.argv[0]}: not installed, run tools/setup", pytrace=False)
    argv = _fill(case.argv, data_dir)
    for leftover in (f"{SCRATCH}.db", f"{SCRATCH}.py.txt"):
        if os.path.exists(leftover):
            os.unlink(leftover)
    try:
        native = _run(argv, dict(GUEST_BASE_ENV))
    finally:
        for leftover in (f"{SCRATCH}.db", f"{SCRATCH}.py.txt"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    assert native[1], f"{case.name}: no output natively: {native}"
    guest = _run([str(pkgload), "run", *_fill(case.ship, data_dir), "--", *argv], None)
    assert guest[:2] == native[:2]
    assert guest == native


def test_tools_are_installed() -> None:
    for tool in ("sqlite3", "lua5.4", "busybox", "ls", "sort", "sha256sum"):
        assert shutil.which(tool, path=GUEST_BASE_ENV["PATH"]), f"{tool}: run tools/setup"
