"""`pkgload run --user USER[:GROUP]`: who the program runs as, and what the guest calls it.

The runs are compared with the same programs run natively under setpriv(1)
with the same ids and no supplementary groups (what docker gives a numeric
--user): `id`, busybox's `id`, files created, root-only calls refused. The
guest names ids as the host does (loader/identity.py), so where the host
names them the outputs are the same; where it does not, the guest says
`pkgload` and the expected text says so.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from loader.etc import get_etc_files
from loader.identity import FALLBACK_NAME, ROOT, Identity, UserSpecError, parse_user
from loader.image import ExtraPath, build_image
from test_image import read_newc_attrs

UID, GID = 1000, 1000
RunPkgload = Callable[..., subprocess.CompletedProcess[str]]


def _host_user(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _host_group(gid: int) -> str | None:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return None


def _native(*argv: str, uid: int = UID, gid: int = GID) -> subprocess.CompletedProcess[str]:
    """Run argv natively as uid:gid with no supplementary groups and an empty environment."""
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                           "env", "-i", "PATH=/usr/bin:/bin", *argv],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd="/")


def test_numeric_user_and_group() -> None:
    who = parse_user(f"{UID}:{GID}")
    name = _host_user(UID) or FALLBACK_NAME
    assert who == Identity(UID, GID, name, _host_group(GID) or FALLBACK_NAME, f"/home/{name}")
    assert not who.is_root and parse_user("0") == ROOT and ROOT.is_root


def test_user_alone_takes_its_primary_group_or_root_as_docker() -> None:
    nobody = pwd.getpwnam("nobody")
    assert parse_user("nobody") == Identity(nobody.pw_uid, nobody.pw_gid, "nobody", "nogroup",
                                            "/nonexistent")
    assert parse_user(str(nobody.pw_uid)).gid == nobody.pw_gid
    unknown = next(u for u in range(4000, 5000) if _host_user(u) is None)
    assert parse_user(str(unknown)) == Identity(unknown, 0, FALLBACK_NAME, "root",
                                                f"/home/{FALLBACK_NAME}")


def test_names_and_numbers_mix() -> None:
    assert parse_user("root:nogroup") == Identity(0, 65534, "root", "nogroup", "/root")
    assert parse_user(f"nobody:{GID}").gid == GID


@pytest.mark.parametrize("spec, message", [
    ("", "expected USER[:GROUP]"),
    ("1000:", "expected USER[:GROUP]"),
    (":1000", "expected USER[:GROUP]"),
    ("no-such-user-here", "no-such-user-here: no such user in the host's passwd"),
    ("0:no-such-group-here", "no-such-group-here: no such group in the host's group file"),
    (str(2**32 - 1), "not a user id"),
    (f"0:{2**32}", "not a group id"),
])
def test_bad_user_is_refused(spec: str, message: str) -> None:
    with pytest.raises(UserSpecError, match=re.escape(message)):
        parse_user(spec)


def test_bad_user_is_a_usage_error(static_elf: Path, run_pkgload: RunPkgload) -> None:
    proc = run_pkgload("run", "--user", "no-such-user-here", str(static_elf))
    assert proc.returncode == 2
    assert "Invalid value for '-u' / '--user': no-such-user-here: no such user" in proc.stderr


def test_passwd_and_group_name_the_ids() -> None:
    who = Identity(1234, 4321, "alice", "staff", "/home/alice")
    etc = get_etc_files("h", who)
    assert etc["/etc/passwd"].decode().splitlines()[2] == "alice:x:1234:4321:alice:/home/alice:/bin/sh"
    assert etc["/etc/group"].decode().splitlines()[2] == "staff:x:4321:"
    assert get_etc_files("h", ROOT) == get_etc_files("h")
    assert get_etc_files("h", Identity(0, 65534, "root", "nogroup", "/root")) == get_etc_files("h")


def test_image_has_a_home_owned_by_the_user(static_elf: Path, cache: Path) -> None:
    who = Identity(1234, 4321, "alice", "staff", "/home/alice")
    img = build_image(static_elf, identity=who)
    attrs = read_newc_attrs(img.path.read_bytes())
    assert attrs["home/alice"][:3] == (0o40755, 1234, 4321)
    assert attrs["home"][:3] == (0o40755, 0, 0)
    plain = build_image(static_elf)
    assert plain.key != img.key and "home" not in read_newc_attrs(plain.path.read_bytes())
    assert build_image(static_elf, identity=who).key == img.key  # each from its own record
    assert build_image(static_elf).key == plain.key


# What each prints for UID:GID and no supplementary groups, with the guest's names
# (busybox's id lists no groups when getgroups gives none).
EXPECTED = {
    "id": "uid={uid}({user}) gid={gid}({group}) groups={gid}({group})\n",
    "busybox id": "uid={uid}({user}) gid={gid}({group})\n",
    "whoami": "{user}\n",
}
ARGV = {"id": ["/usr/bin/id"], "busybox id": ["/bin/busybox", "id"], "whoami": ["/usr/bin/whoami"]}


@pytest.mark.parametrize("case", EXPECTED)
def test_id_as_another_user(case: str, run_pkgload: RunPkgload) -> None:
    who = parse_user(f"{UID}:{GID}")
    proc = run_pkgload("run", "--user", f"{UID}:{GID}", *ARGV[case])
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == EXPECTED[case].format(uid=UID, gid=GID, user=who.user, group=who.group)
    if _host_user(UID) and _host_group(GID):  # named alike inside and out
        assert proc.stdout == _native(*ARGV[case]).stdout


def test_default_is_root(run_pkgload: RunPkgload) -> None:
    proc = run_pkgload("run", "/usr/bin/id")
    assert (proc.returncode, proc.stdout) == (0, "uid=0(root) gid=0(root) groups=0(root)\n")


PYTHON_IDS = """\
import os, pwd, sys
path = sys.argv[1]
open(path, "w").close()
st = os.stat(path)
print("ids", os.getresuid(), os.getresgid(), os.getgroups())
print("created", st.st_uid, st.st_gid, oct(st.st_mode & 0o777))
print("name", pwd.getpwuid(os.getuid()).pw_name == os.environ.get("EXPECT_NAME", "?"))
def attempt(what, fn, *args):
    try:
        fn(*args)
        print(what, "ok")
    except OSError as e:
        print(what, e.errno)
attempt("chown to root", os.chown, path, 0, 0)
attempt("write /etc/passwd", open, "/etc/passwd", "a")
attempt("setuid 0", os.setuid, 0)
attempt("clock_settime", __import__("time").clock_settime, 0, 1e9)
attempt("mkdir in /", os.mkdir, "/pkgload-not-allowed")
attempt("unlink /etc/hostname", os.unlink, "/etc/hostname")
attempt("chmod /etc/passwd", os.chmod, "/etc/passwd", 0o600)
os.unlink(path)
"""


def test_files_and_permissions_as_another_user(run_pkgload: RunPkgload) -> None:
    path = f"/tmp/pkgload-identity-{uuid.uuid4().hex}"
    name = parse_user(f"{UID}:{GID}").user
    proc = run_pkgload("run", "--user", f"{UID}:{GID}", "-e", f"EXPECT_NAME={name}",
                       "/usr/bin/python3", "-c", PYTHON_IDS, path)
    native = _native("EXPECT_NAME=" + (_host_user(UID) or "?"), "python3", "-c", PYTHON_IDS, path)
    assert native.returncode == 0, native.stderr
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == [f"ids ({UID}, {UID}, {UID}) ({GID}, {GID}, {GID}) []",
                         f"created {UID} {GID} 0o644"]
    assert lines[2] == "name True"
    if _host_user(UID):
        assert proc.stdout == native.stdout
    else:
        assert lines[3:] == native.stdout.splitlines()[3:]
    assert not os.path.exists(path)


def test_home_is_the_users(run_pkgload: RunPkgload) -> None:
    code = "import os; st = os.stat(os.environ['HOME']); print(os.environ['HOME'], st.st_uid, st.st_gid)"
    proc = run_pkgload("run", "-u", f"{UID}:{GID}", "/usr/bin/python3", "-c", code)
    home = parse_user(f"{UID}:{GID}").home
    assert (proc.returncode, proc.stdout) == (0, f"{home} {UID} {GID}\n"), proc.stderr


def test_tmp_made_for_a_shipped_file_is_writable_by_all(static_elf: Path, cache: Path,
                                                        tmp_path: Path) -> None:
    img = build_image(static_elf, extra=[ExtraPath(str(static_elf), "/tmp/sub/prog")])
    attrs = read_newc_attrs(img.path.read_bytes())
    assert attrs["tmp"][:3] == (0o41777, 0, 0) and attrs["tmp/sub"][:3] == (0o40755, 0, 0)


def test_ids_the_host_does_not_name_are_pkgload(run_pkgload: RunPkgload) -> None:
    uid = next(u for u in range(4000, 5000) if _host_user(u) is None and _host_group(u) is None)
    proc = run_pkgload("run", "--user", f"{uid}:{uid}", "/usr/bin/id")
    assert (proc.returncode, proc.stdout) == (
        0, f"uid={uid}(pkgload) gid={uid}(pkgload) groups={uid}(pkgload)\n"), proc.stderr
    native = _native("id", uid=uid, gid=uid)
    assert native.stdout == f"uid={uid} gid={uid} groups={uid}\n"  # the host has no names for them


def test_nobody_has_no_home_made(static_elf: Path, cache: Path) -> None:
    nobody = parse_user("65534:65534")
    assert nobody.home == "/nonexistent" and not nobody.has_own_home
    attrs = read_newc_attrs(build_image(static_elf, identity=nobody).path.read_bytes())
    assert not any(name.startswith(("home", "nonexistent")) for name in attrs)
