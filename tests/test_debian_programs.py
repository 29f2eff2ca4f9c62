"""Unmodified Debian programs: the same stdout, stderr and status natively and under `pkgload run`.

Each case runs the host's own binary twice, natively and in the guest, with
the differential tests' environment and cwd. Files a case reads are in a
folder made here and shipped with --dir (or --file) at their own host path,
so both runs see the same paths (the image keeps their mode, owner and
mtime). Files a case writes go to /tmp under a name of its own and are
removed after the native run (the guest's /tmp starts empty).

`ls -la` cases compare listings byte for byte: the guest's generated /etc
against the same tree recreated on the host from the image itself (busybox
and coreutils), and a shipped tree of odd files against itself (busybox
-la and -laR). Both runs use TZ=UTC (ls prints local times). They need root
(they chown) and an ext4 temporary folder (the
kernel reports sizes and blocks as ext4 does).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from imagetree import materialise
from loader.etc import DEFAULT_HOSTNAME, get_etc_files
from loader.image import build_image
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

# Python's own handlers: a Python function for SIGUSR1, KeyboardInterrupt for
# SIGINT, a handler's float work not disturbing the interrupted code's.
PY_SIGNALS = """
import os, signal
x = 1 / 3
signal.signal(signal.SIGUSR1, lambda s, f: print("handler", s, sum(i / 7 for i in range(100))))
os.kill(os.getpid(), signal.SIGUSR1)
signal.raise_signal(signal.SIGUSR1)
print("after", x * 3 == 1.0, x)
try:
    os.kill(os.getpid(), signal.SIGINT)
except KeyboardInterrupt:
    print("KeyboardInterrupt caught")
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
os.kill(os.getpid(), signal.SIGUSR1)
print("ignored")
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
    Program("python3-signals", ("/usr/bin/python3", "-c", PY_SIGNALS), ()),
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
    """A folder of small files with fixed mtimes."""
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


BUSYBOX = "/bin/busybox"
LS_ENV = {**GUEST_BASE_ENV, "TZ": "UTC"}
TREE_MTIME = 1677906367  # 2023-03-04 05:06:07 UTC


def _require_root_on_ext4(path: Path) -> None:
    """Skip unless we can chown and path is on ext4 (whose numbers the kernel mimics)."""
    if os.geteuid() != 0:
        pytest.skip("ls -la comparisons chown files: run as root")
    fs = subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True, text=True)
    if fs.stdout.strip() != "ext2/ext3":
        pytest.skip(f"{path}: on {fs.stdout.strip() or '?'}, not ext4")


def _unknown_id() -> int:
    """Return an id that is neither a user nor a group on the host or in the guest's /etc."""
    etc = get_etc_files(DEFAULT_HOSTNAME)
    guest = {int(line.split(b":")[2]) for f in ("/etc/passwd", "/etc/group")
             for line in etc[f].splitlines()}
    host = {p.pw_uid for p in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()}
    return next(i for i in range(4242, 60000) if i not in guest | host)


def _nobody_agrees() -> bool:
    """Return True when the host names uid/gid 65534 as the guest's /etc does."""
    etc = get_etc_files(DEFAULT_HOSTNAME)
    try:
        host = (pwd.getpwuid(65534).pw_name, grp.getgrgid(65534).gr_name)
    except KeyError:
        return False
    return (f"{host[0]}:x:65534:".encode() in etc["/etc/passwd"]
            and f"{host[1]}:x:65534:".encode() in etc["/etc/group"])


@pytest.fixture(scope="module")
def ls_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """base/tree: files of 0 .. 50000 bytes, nested folders, short and long symlinks,
    modes 0600/04755/02755/01777, files of nobody and of an unknown id, a hard link;
    one mtime."""
    base = tmp_path_factory.mktemp("ls-base")
    _require_root_on_ext4(base)
    t = base / "tree"
    (t / "sub" / "deep" / "er").mkdir(parents=True)
    (t / "empty").mkdir()
    (t / "zero").write_bytes(b"")
    (t / "small").write_text("hi\n")
    for name, size in (("page", 4096), ("page1", 4097), ("big", 50000), ("nobodys", 10)):
        (t / name).write_bytes(os.urandom(size))
    (t / "sub" / "deep" / "f.txt").write_text("deep\n")
    (t / "short").symlink_to("small")
    (t / "l59").symlink_to("x" * 59)  # ext4 keeps targets under 60 bytes in the inode
    (t / "l60").symlink_to("y" * 60)  # and gives longer ones a block
    (t / "dirlink").symlink_to("sub/deep")
    os.link(t / "nobodys", t / "sub" / "hard")  # both names: st_nlink 2
    other = _unknown_id()
    os.chown(t / "big", other, other + 1)
    if _nobody_agrees():
        os.chown(t / "nobodys", 65534, 65534)
    (t / "small").chmod(0o600)
    (t / "page").chmod(0o4755)
    (t / "sub").chmod(0o2755)
    (t / "empty").chmod(0o1777)
    base.chmod(0o755)
    for p in [*base.rglob("*"), base]:
        os.utime(p, (TREE_MTIME, TREE_MTIME), follow_symlinks=False)
    return base


# The static busybox's /etc is the generated files alone; coreutils' also has ld.so.cache.
@pytest.mark.parametrize("ls", [(BUSYBOX, "ls"), ("/usr/bin/ls",)], ids=["busybox", "coreutils"])
def test_ls_la_etc(ls: tuple[str, ...], pkgload: Path, tmp_path: Path) -> None:
    """The guest's /etc, listed by the guest, equals the image's /etc recreated natively."""
    _require_root_on_ext4(tmp_path)
    root = tmp_path / "root"
    materialise(build_image(ls[0]).path, root)  # the image `pkgload run` boots
    native = _run([*ls, "-la", str(root / "etc")], LS_ENV)
    assert native[0] == 0 and b" passwd\n" in native[1], native
    guest = _run([str(pkgload), "run", "-e", "TZ=UTC", *ls, "-la", "/etc"], None)
    assert guest == native


@pytest.mark.parametrize("flags", ["-la", "-laR"])
def test_busybox_ls_shipped_tree(flags: str, ls_tree: Path, pkgload: Path) -> None:
    argv = [BUSYBOX, "ls", flags, str(ls_tree / "tree")]
    native = _run(argv, LS_ENV)
    assert native[0] == 0 and b"-rwsr-xr-x" in native[1] and b" l60 -> y" in native[1], native
    guest = _run([str(pkgload), "run", "-e", "TZ=UTC", "--dir", str(ls_tree), "--", *argv], None)
    assert guest == native
