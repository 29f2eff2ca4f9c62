"""loader.deps against the real ld.so: `ldd` (ld.so --list), `readelf -d`,
`ldconfig -p` and, as root, programs run in a chroot holding only the files
deps.py says they need.

Libraries are built here with gcc in tmp_path; the search-order cases
(RPATH, RUNPATH, LD_LIBRARY_PATH, $ORIGIN, $LIB, $PLATFORM, hwcaps, wrong
class) each compare our answer with ldd's for the same program and
environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from loader.deps import (
    DepClosure,
    HwCaps,
    LdSoCache,
    get_guest_hwcaps,
    get_host_hwcaps,
    get_python_version,
    iter_runtime_files,
    parse_ld_so_help,
    read_ld_so_cache,
    resolve_deps,
    resolve_symlinks,
)
from loader.errors import ElfFormatError, MissingLibrary

MAIN_SRC = "int pick(void);\nint main(void) { return pick() - 1; }\n"
PICK_SRC = "int pick(void) { return 1; }\n"
MID_SRC = "int pick(void);\nint mid(void) { return pick(); }\n"
MAIN_MID_SRC = "int mid(void);\nint main(void) { return mid() - 1; }\n"
is_root = os.geteuid() == 0
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"
LDCONFIG = shutil.which("ldconfig") or "/sbin/ldconfig"


# ---------------------------------------------------------------------------
# helpers


def cc(out: Path, source: str, *flags: str) -> Path:
    """Build out from C source with gcc; libraries go after the source."""
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.parent / (out.name + ".c")
    src.write_text(source)
    cmd = ["gcc", "-o", str(out), str(src), "-Wl,--no-as-needed", *flags]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{proc.stderr}", pytrace=False)
    return out


def shlib(out: Path, source: str = PICK_SRC, *flags: str, soname: str | None = "") -> Path:
    """Build a shared library; soname "" means its file name, None means none."""
    so = [] if soname is None else [f"-Wl,-soname,{soname or out.name}"]
    return cc(out, source, "-shared", "-fPIC", *so, *flags)


def ldd(prog: Path | str, llp: str | None = None) -> tuple[list[tuple[str, str | None]], str]:
    """Run ldd; return ([(name, path or None if not found)], stderr), vdso and ld.so left out.

    A library loaded by a name with a slash is printed as its path alone:
    its name is then its path.
    """
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    if llp is not None:
        env["LD_LIBRARY_PATH"] = llp
    proc = subprocess.run(["ldd", str(prog)], capture_output=True, text=True, env=env)
    out: list[tuple[str, str | None]] = []
    if "error while loading shared libraries" in proc.stdout:  # ld.so's fatal error
        return [], proc.stdout
    for line in proc.stdout.splitlines():
        m = re.match(r"\s+(\S+) => (?:(\S+) \(0x[0-9a-f]+\)|not found)", line)
        if m:
            out.append((m.group(1), m.group(2)))
        m = re.match(r"\s+(/\S+) \(0x[0-9a-f]+\)$", line)
        if m and not os.path.basename(m.group(1)).startswith("ld-linux"):
            out.append((m.group(1), m.group(1)))
    return out, proc.stderr


def same_as_ldd(closure: DepClosure, llp: str | None = None) -> bool:
    """Check the closure against ldd: the same libraries in the same order, the same missing."""
    listed, _ = ldd(closure.program, llp)
    found = [
        (lib.path if lib.found_by == "path" else lib.name, lib.path) for lib in closure.libraries
    ]
    assert found == [(n, p) for n, p in listed if p is not None]
    assert sorted(m.name for m in closure.missing) == sorted(n for n, p in listed if p is None)
    return True


def readelf_needed(path: str) -> list[str]:
    """Return the DT_NEEDED names readelf prints for path."""
    out = subprocess.run(["readelf", "-dW", path], capture_output=True, text=True, check=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", out.stdout)


def copy_into(root: Path, closure: DepClosure, extra: list[tuple[str, str]] = ()) -> None:
    """Recreate the closure (and extra (host, guest) files or links) under root."""

    def link(path: str, target: str) -> None:
        dst = root / path.lstrip("/")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.is_symlink():
            os.symlink(target, dst)

    def copy(host: str, guest: str) -> None:
        dst = root / guest.lstrip("/")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            shutil.copy2(host, dst)

    for s in closure.program_links:
        link(s.path, s.target)
    copy(closure.host_path(closure.program_real), closure.program_real)
    for lib in closure.iter_objects():
        for s in lib.links:
            link(s.path, s.target)
        copy(closure.host_path(lib.real_path), lib.real_path)
    for host, guest in extra:
        if os.path.islink(host):
            link(guest, os.readlink(host))
        else:
            copy(host, guest)


# ---------------------------------------------------------------------------
# Debian's own programs against ldd and readelf


@pytest.fixture(scope="session")
def sqlite3_bin() -> str:
    """/usr/bin/sqlite3, installed from Debian if missing."""
    if not os.path.exists("/usr/bin/sqlite3"):
        subprocess.run(["apt-get", "install", "-y", "sqlite3"], capture_output=True, check=False)
    if not os.path.exists("/usr/bin/sqlite3"):
        pytest.skip("sqlite3 is not installed and apt-get could not install it")
    return "/usr/bin/sqlite3"


@pytest.mark.parametrize("prog", ["/usr/bin/python3", "sqlite3", "/bin/ls"])
def test_debian_programs_match_ldd(prog: str, request: pytest.FixtureRequest) -> None:
    if prog == "sqlite3":
        prog = request.getfixturevalue("sqlite3_bin")
    closure = resolve_deps(prog)
    assert same_as_ldd(closure)
    assert closure.missing == []
    assert closure.interpreter is not None
    assert closure.interpreter.path == "/lib64/ld-linux-x86-64.so.2"
    assert closure.interpreter.soname == "ld-linux-x86-64.so.2"
    assert closure.program_real == os.path.realpath(prog)
    for lib in closure.iter_objects():
        assert lib.real_path == os.path.realpath(lib.path)
        assert os.path.isfile(lib.real_path) and not os.path.islink(lib.real_path)


@pytest.mark.parametrize("prog", ["/usr/bin/python3", "sqlite3", "/bin/ls"])
def test_every_needed_entry_is_in_the_closure(prog: str, request: pytest.FixtureRequest) -> None:
    if prog == "sqlite3":
        prog = request.getfixturevalue("sqlite3_bin")
    closure = resolve_deps(prog)
    top = [lib.name for lib in closure.libraries if lib.needed_by == prog]
    assert top == [n for n in readelf_needed(prog) if n in top]
    for obj in [prog] + [lib.real_path for lib in closure.iter_objects()]:
        for name in readelf_needed(obj):
            assert closure.has_library(name), f"{obj} needs {name}"


def test_symlinks_lead_from_the_opened_path_to_the_file() -> None:
    closure = resolve_deps("/usr/bin/python3")
    for lib in closure.iter_objects():
        real, links = resolve_symlinks("/", lib.path)
        assert (real, links) == (lib.real_path, lib.links)
        for s in lib.links:
            assert os.readlink(s.path) == s.target
    assert closure.program_links and closure.program_links[0].path == "/usr/bin/python3"


def test_a_static_program_has_no_closure(tmp_path: Path) -> None:
    prog = cc(tmp_path / "static", "int main(void) { return 0; }\n", "-static")
    closure = resolve_deps(prog)
    assert closure.interpreter is None and closure.libraries == [] and closure.missing == []
    closure.require_complete()


def test_not_an_elf_program_is_an_elf_error(tmp_path: Path) -> None:
    p = tmp_path / "script"
    p.write_text("#!/bin/sh\n")
    with pytest.raises(ElfFormatError, match="script: not an ELF file"):
        resolve_deps(p)
    with pytest.raises(ElfFormatError, match="no such file"):
        resolve_deps(tmp_path / "absent")


# ---------------------------------------------------------------------------
# Missing libraries


def test_missing_library_is_reported_and_required(tmp_path: Path) -> None:
    lib = shlib(tmp_path / "libgone.so")
    prog = cc(tmp_path / "prog", MAIN_SRC, f"-L{tmp_path}", "-lgone")
    lib.unlink()
    closure = resolve_deps(prog)
    assert [(m.name, m.needed_by, m.reason) for m in closure.missing] == [
        ("libgone.so", str(prog), "not found")
    ]
    assert same_as_ldd(closure)
    with pytest.raises(MissingLibrary) as e:
        closure.require_complete()
    msg = str(e.value)
    assert "libgone.so" in msg and str(prog) in msg and "\n" not in msg
    assert not msg.endswith(".")


def test_missing_library_of_a_library_names_both(tmp_path: Path) -> None:
    d = tmp_path / "lib"
    pick = shlib(d / "libpick.so")
    shlib(d / "libmid.so", MID_SRC, f"-L{d}", "-lpick")
    prog = cc(tmp_path / "prog", MAIN_MID_SRC, f"-L{d}", "-lmid", f"-Wl,-rpath,{d}")
    pick.unlink()
    closure = resolve_deps(prog)
    assert [(m.name, m.needed_by) for m in closure.missing] == [("libpick.so", f"{d}/libmid.so")]
    with pytest.raises(MissingLibrary, match=rf"libpick.so: needed by {prog} via {d}/libmid.so"):
        closure.require_complete()


def test_missing_interpreter(tmp_path: Path) -> None:
    prog = cc(
        tmp_path / "prog", "int main(void) { return 0; }\n", "-Wl,-dynamic-linker,/nope/ld.so"
    )
    closure = resolve_deps(prog)
    assert closure.interpreter is None
    assert closure.missing[0].name == "/nope/ld.so"
    with pytest.raises(MissingLibrary, match=re.escape("/nope/ld.so")):
        closure.require_complete()


# ---------------------------------------------------------------------------
# Search order: each case is checked against ldd


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    """Folders A, B, C each with its own libpick.so; M with libmid.so (no path of its own)."""
    out = {k: tmp_path / k for k in "ABCM"}
    for k in "ABC":
        shlib(out[k] / "libpick.so")
    shlib(out["M"] / "libmid.so", MID_SRC, f"-L{out['A']}", "-lpick")
    return out


def rpath_flags(kind: str, path: str) -> list[str]:
    """Linker flags for a DT_RPATH ("rpath") or DT_RUNPATH ("runpath") of path."""
    dtags = "--disable-new-dtags" if kind == "rpath" else "--enable-new-dtags"
    return [f"-Wl,{dtags}", f"-Wl,-rpath,{path}"]


@pytest.mark.parametrize(
    "kind, llp, want_dir, want_how",
    [
        ("rpath", None, "A", "rpath"),
        ("rpath", "B", "A", "rpath"),  # RPATH comes before LD_LIBRARY_PATH
        ("runpath", None, "A", "runpath"),
        ("runpath", "B", "B", "ld_library_path"),  # LD_LIBRARY_PATH before RUNPATH
        ("runpath", "C;B", "C", "ld_library_path"),  # ';' separates too
        ("runpath", "/nonexistent:B", "B", "ld_library_path"),
    ],
)
def test_rpath_runpath_and_ld_library_path(
    tmp_path: Path, dirs: dict[str, Path], kind: str, llp: str | None, want_dir: str, want_how: str
) -> None:
    prog = cc(
        tmp_path / "prog", MAIN_SRC, f"-L{dirs['A']}", "-lpick", *rpath_flags(kind, str(dirs["A"]))
    )
    llp_abs = None if llp is None else re.sub(r"\b([ABC])\b", lambda m: str(dirs[m.group(1)]), llp)
    closure = resolve_deps(prog, ld_library_path=llp_abs)
    pick = closure.get_library("libpick.so")
    assert pick is not None
    assert (pick.path, pick.found_by) == (f"{dirs[want_dir]}/libpick.so", want_how)
    assert same_as_ldd(closure, llp_abs)


@pytest.mark.parametrize(
    "kind, want",
    [
        ("rpath", ("A", "rpath")),  # the program's RPATH serves its libraries too
        ("runpath", None),  # a RUNPATH is the object's own: libmid finds nothing
    ],
)
def test_rpath_is_inherited_runpath_is_not(
    tmp_path: Path, dirs: dict[str, Path], kind: str, want: tuple[str, str] | None
) -> None:
    path = f"{dirs['M']}:{dirs['A']}"
    prog = cc(tmp_path / "prog", MAIN_MID_SRC, f"-L{dirs['M']}", "-lmid", *rpath_flags(kind, path))
    closure = resolve_deps(prog)
    pick = closure.get_library("libpick.so")
    if want is None:
        assert pick is None
        assert [(m.name, m.needed_by) for m in closure.missing] == [
            ("libpick.so", f"{dirs['M']}/libmid.so")
        ]
    else:
        assert pick is not None and (pick.path, pick.found_by) == (
            f"{dirs[want[0]]}/libpick.so",
            want[1],
        )
        assert pick.needed_by == f"{dirs['M']}/libmid.so"
    assert same_as_ldd(closure)


def test_a_library_runpath_disables_the_inherited_rpath(
    tmp_path: Path, dirs: dict[str, Path]
) -> None:
    mid = shlib(
        tmp_path / "M2" / "libmid.so",
        MID_SRC,
        f"-L{dirs['A']}",
        "-lpick",
        *rpath_flags("runpath", str(dirs["C"])),
    )
    prog = cc(
        tmp_path / "prog",
        MAIN_MID_SRC,
        f"-L{mid.parent}",
        "-lmid",
        *rpath_flags("rpath", f"{mid.parent}:{dirs['A']}"),
    )
    closure = resolve_deps(prog)
    pick = closure.get_library("libpick.so")
    assert pick is not None and (pick.path, pick.found_by) == (f"{dirs['C']}/libpick.so", "runpath")
    assert same_as_ldd(closure)


def test_origin_lib_and_platform(tmp_path: Path) -> None:
    # $PLATFORM is what the CPU's ld.so names: x86_64 (the kernel's
    # AT_PLATFORM) or, on a recent Intel CPU, haswell. libbar is in both
    # folders, so which one is taken shows the expansion.
    app = tmp_path / "app"
    shlib(app / "lib" / "libfoo.so", "int foo(void) { return 0; }\n")
    platdir = app / "bin" / "lib" / "x86_64-linux-gnu"
    for plat in ("x86_64", "haswell"):
        shlib(platdir / plat / "libbar.so", "int bar(void) { return 0; }\n")
    src = "int foo(void); int bar(void);\nint main(void) { return foo() + bar(); }\n"
    prog = cc(
        app / "bin" / "prog",
        src,
        f"-L{app / 'lib'}",
        "-lfoo",
        f"-L{platdir / 'x86_64'}",
        "-lbar",
        "-Wl,-rpath,$ORIGIN/../lib:${ORIGIN}/$LIB/$PLATFORM",
    )
    host_platform = get_host_hwcaps().platform
    assert host_platform in ("x86_64", "haswell")  # else the folders above miss the one it takes
    closure = resolve_deps(prog)  # for the host's CPU, as ldd here
    foo, bar = closure.get_library("libfoo.so"), closure.get_library("libbar.so")
    assert foo is not None and foo.path == f"{app}/bin/../lib/libfoo.so"
    assert foo.real_path == f"{app}/lib/libfoo.so"
    assert bar is not None and bar.path == f"{platdir}/{host_platform}/libbar.so"
    assert same_as_ldd(closure)
    # Under TCG the guest's CPU names no platform (tests/test_guest_hwcaps.py).
    guest = resolve_deps(prog, hwcaps=get_guest_hwcaps("tcg")).get_library("libbar.so")
    assert guest is not None and guest.path == f"{platdir}/x86_64/libbar.so"

    # Run through a symlink elsewhere, $ORIGIN is still the real program's
    # folder (/proc/self/exe), which is what the program sees when it runs.
    link = tmp_path / "elsewhere" / "prog"
    link.parent.mkdir()
    link.symlink_to(prog)
    via_link = resolve_deps(link)
    via_foo = via_link.get_library("libfoo.so")
    assert via_link.missing == [] and via_foo is not None and via_foo.path == foo.path
    assert subprocess.run([str(link)]).returncode == 0


def test_origin_in_a_needed_name(tmp_path: Path) -> None:
    shlib(tmp_path / "sub" / "libpick.so")
    prog = cc(tmp_path / "prog", MAIN_SRC, f"-L{tmp_path / 'sub'}", "-lpick")
    # Rewrite the DT_NEEDED string in place with a name of the same length.
    raw = prog.read_bytes()
    assert raw.count(b"libpick.so\0") == 1
    prog.write_bytes(raw.replace(b"libpick.so\0", b"$ORIGIN/sp\0"))
    shutil.copy(tmp_path / "sub" / "libpick.so", tmp_path / "sp")
    closure = resolve_deps(prog)
    lib = closure.get_library("$ORIGIN/sp")
    assert lib is not None and (lib.path, lib.found_by) == (f"{tmp_path}/sp", "path")
    assert same_as_ldd(closure)


def test_wrong_class_and_machine_are_skipped(tmp_path: Path, dirs: dict[str, Path]) -> None:
    bad_class, bad_machine = tmp_path / "bc", tmp_path / "bm"
    for d, offset, data in (
        (bad_class, 4, b"\x01"),
        (bad_machine, 18, (183).to_bytes(2, "little")),
    ):
        d.mkdir()
        raw = bytearray((dirs["A"] / "libpick.so").read_bytes())
        raw[offset : offset + len(data)] = data
        (d / "libpick.so").write_bytes(bytes(raw))
    path = f"{bad_class}:{bad_machine}:{dirs['B']}"
    prog = cc(
        tmp_path / "prog", MAIN_SRC, f"-L{dirs['A']}", "-lpick", *rpath_flags("runpath", path)
    )
    closure = resolve_deps(prog)
    pick = closure.get_library("libpick.so")
    assert pick is not None and pick.path == f"{dirs['B']}/libpick.so"
    assert same_as_ldd(closure)


def test_a_file_that_is_not_elf_stops_the_search(tmp_path: Path, dirs: dict[str, Path]) -> None:
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "libpick.so").write_text("/* GNU ld script */\n" * 4 + "INPUT(-lpick)\n")
    prog = cc(
        tmp_path / "prog",
        MAIN_SRC,
        f"-L{dirs['A']}",
        "-lpick",
        *rpath_flags("runpath", f"{junk}:{dirs['B']}"),
    )
    closure = resolve_deps(prog)
    assert closure.get_library("libpick.so") is None
    assert [m.name for m in closure.missing] == ["libpick.so"]
    assert "invalid ELF header" in closure.missing[0].reason
    listed, err = ldd(prog)
    assert listed == [] and "invalid ELF header" in err


def test_the_same_file_under_two_names_is_loaded_once(tmp_path: Path) -> None:
    d = tmp_path / "lib"
    shlib(d / "libnos.so", soname=None)
    (d / "alias.so").symlink_to("libnos.so")
    prog = cc(
        tmp_path / "prog", MAIN_SRC, f"-L{d}", "-l:libnos.so", "-l:alias.so", f"-Wl,-rpath,{d}"
    )
    assert readelf_needed(str(prog))[:2] == ["libnos.so", "alias.so"]
    closure = resolve_deps(prog)
    assert [lib.name for lib in closure.libraries] == ["libnos.so", "libc.so.6"]
    assert closure.has_library("alias.so")
    assert same_as_ldd(closure)


@pytest.mark.skipif("x86-64-v2" not in get_host_hwcaps().glibc_hwcaps, reason="CPU below x86-64-v2")
def test_glibc_hwcaps_subfolder_comes_first(tmp_path: Path, dirs: dict[str, Path]) -> None:
    hw = dirs["B"] / "glibc-hwcaps" / "x86-64-v2"
    shlib(hw / "libpick.so")
    prog = cc(
        tmp_path / "prog",
        MAIN_SRC,
        f"-L{dirs['A']}",
        "-lpick",
        *rpath_flags("runpath", str(dirs["B"])),
    )
    closure = resolve_deps(prog)
    pick = closure.get_library("libpick.so")
    assert pick is not None and pick.path == f"{hw}/libpick.so"
    assert same_as_ldd(closure)
    baseline = HwCaps((), (), None, ())
    pick = resolve_deps(prog, hwcaps=baseline).get_library("libpick.so")
    assert pick is not None and pick.path == f"{dirs['B']}/libpick.so"


def test_ld_so_help_parsing() -> None:
    text = (
        "Subdirectories of glibc-hwcaps directories, in priority order:\n"
        "  x86-64-v4\n  x86-64-v3 (supported, searched)\n  x86-64-v2 (supported, searched)\n"
        "\nLegacy HWCAP subdirectories under library search path directories:\n"
        "  haswell (AT_PLATFORM; supported, searched)\n  tls (supported, searched)\n"
        "  avx512_1\n  x86_64 (supported, searched)\n"
    )
    caps = parse_ld_so_help(text)
    assert caps.glibc_hwcaps == ("x86-64-v3", "x86-64-v2")
    assert caps.platform == "haswell"
    assert caps.legacy_subdirs == (
        "tls/haswell/x86_64", "tls/haswell", "tls/x86_64", "tls",
        "haswell/x86_64", "haswell", "x86_64",
    )  # fmt: skip
    # Two legacy hwcaps: in the order listed (LD_DEBUG=libs on an AVX-512 Xeon).
    caps = parse_ld_so_help(text.replace("  avx512_1\n", "  avx512_1 (supported, searched)\n"))
    assert caps.legacy_subdirs[:4] == (
        "tls/haswell/avx512_1/x86_64", "tls/haswell/avx512_1", "tls/haswell/x86_64", "tls/haswell",
    )  # fmt: skip


def test_host_search_list_matches_ld_debug(tmp_path: Path) -> None:
    prog = cc(tmp_path / "prog", "int main(void) { return 0; }\n")
    env = {**os.environ, "LD_DEBUG": "libs", "LD_LIBRARY_PATH": "/q"}
    err = subprocess.run(
        ["/lib64/ld-linux-x86-64.so.2", "--list", str(prog)],
        capture_output=True,
        text=True,
        env=env,
    ).stderr
    m = re.search(r"search path=(\S+)\s+\(LD_LIBRARY_PATH\)", err)
    assert m is not None, err
    caps = get_host_hwcaps()
    subs = [f"glibc-hwcaps/{h}" for h in caps.glibc_hwcaps] + list(caps.legacy_subdirs)
    assert m.group(1).split(":") == [f"/q/{s}" for s in subs] + ["/q"]


# ---------------------------------------------------------------------------
# ld.so.cache


def ldconfig_p(args: list[str]) -> list[tuple[str, str]]:
    """Return (name, path) pairs that `ldconfig -p` prints, in order."""
    out = subprocess.run([LDCONFIG, "-p", *args], capture_output=True, text=True, check=True).stdout
    return re.findall(r"^\t(\S+) \(.*\) => (\S+)$", out, re.M)


def test_host_cache_matches_ldconfig_p() -> None:
    cache = read_ld_so_cache("/")
    assert [(e.name, e.path) for e in cache.entries] == ldconfig_p([])
    libc = cache.lookup("libc.so.6", get_host_hwcaps())
    assert libc is not None and os.path.realpath(libc) == os.path.realpath(
        "/lib/x86_64-linux-gnu/libc.so.6"
    )
    assert cache.lookup("libdoes-not-exist.so.1", get_host_hwcaps()) is None


@pytest.fixture
def sysroot(tmp_path: Path) -> Path:
    """A root folder with glibc, libhw.so.1 (plain and x86-64-v2) and its ld.so.cache."""
    if not is_root:
        pytest.skip("ldconfig -r chroots: needs root")
    root = tmp_path / "root"
    libdir = root / "lib" / "x86_64-linux-gnu"
    libdir.mkdir(parents=True)
    for name in ("libc.so.6", "ld-linux-x86-64.so.2"):
        shutil.copy(os.path.realpath(f"/lib/x86_64-linux-gnu/{name}"), libdir / name)
    (root / "lib64").mkdir()
    (root / "lib64" / "ld-linux-x86-64.so.2").symlink_to(
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    )
    opt = root / "opt" / "lib"
    shlib(opt / "libhw.so.1", "int pick(void) { return 1; }\n")
    shlib(opt / "glibc-hwcaps" / "x86-64-v2" / "libhw.so.1", "int pick(void) { return 1; }\n")
    (root / "etc").mkdir()
    (root / "etc" / "ld.so.conf").write_text("/opt/lib\n")
    (root / "var" / "cache" / "ldconfig").mkdir(parents=True)
    subprocess.run([LDCONFIG, "-r", str(root)], check=True)
    cc(root / "usr" / "bin" / "prog", MAIN_SRC, f"-L{opt}", "-l:libhw.so.1")
    return root


def test_cache_with_glibc_hwcaps(sysroot: Path) -> None:
    data = (sysroot / "etc" / "ld.so.cache").read_bytes()
    cache = LdSoCache.from_bytes(data)
    assert [(e.name, e.path) for e in cache.entries] == ldconfig_p(
        ["-C", str(sysroot / "etc" / "ld.so.cache")]
    )
    subs = {e.path: e.hwcaps_subdir for e in cache.entries if e.name == "libhw.so.1"}
    assert subs == {
        "/opt/lib/glibc-hwcaps/x86-64-v2/libhw.so.1": "x86-64-v2",
        "/opt/lib/libhw.so.1": None,
    }
    v2 = HwCaps(("x86-64-v2",), (), None, ())
    assert cache.lookup("libhw.so.1", v2) == "/opt/lib/glibc-hwcaps/x86-64-v2/libhw.so.1"
    assert cache.lookup("libhw.so.1", HwCaps((), (), None, ())) == "/opt/lib/libhw.so.1"


@pytest.mark.parametrize("fmt", ["old", "compat"])
def test_old_and_compat_cache_formats(sysroot: Path, fmt: str) -> None:
    new = LdSoCache.from_bytes((sysroot / "etc" / "ld.so.cache").read_bytes())
    subprocess.run([LDCONFIG, "-r", str(sysroot), "-c", fmt], check=True)
    data = (sysroot / "etc" / "ld.so.cache").read_bytes()
    assert data.startswith(b"ld.so-1.7.0")
    other = LdSoCache.from_bytes(data)
    # The old format has no hwcap field: its rows are the new format's, glibc-hwcaps ones included.
    assert [(e.name, e.path) for e in other.entries] == [(e.name, e.path) for e in new.entries]
    assert all(e.hwcaps_subdir is None for e in other.entries) == (fmt == "old")


def test_sysroot_resolution_and_chroot_run(sysroot: Path) -> None:
    closure = resolve_deps("/usr/bin/prog", sysroot=sysroot)
    assert closure.missing == []
    assert closure.interpreter is not None
    assert closure.interpreter.real_path == "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    hw = closure.get_library("libhw.so.1")
    assert hw is not None and hw.found_by == "cache"
    if "x86-64-v2" in get_host_hwcaps().glibc_hwcaps:
        assert hw.path == "/opt/lib/glibc-hwcaps/x86-64-v2/libhw.so.1"
    assert closure.host_path(hw.path) == f"{sysroot}{hw.path}"
    listed = subprocess.run(
        [CHROOT, str(sysroot), "/lib64/ld-linux-x86-64.so.2", "--list", "/usr/bin/prog"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.findall(r"^\s+(\S+) => (\S+) \(0x", listed, re.M)
    assert [(lib.name, lib.path) for lib in closure.libraries] == found
    assert subprocess.run([CHROOT, str(sysroot), "/usr/bin/prog"]).returncode == 0


# ---------------------------------------------------------------------------
# Files loaded at run time


def test_python_runtime_files() -> None:
    closure = resolve_deps("/usr/bin/python3")
    files = list(iter_runtime_files(closure))
    guests = {f.guest_path for f in files}
    assert len(guests) == len(files)
    version = get_python_version(closure)
    assert version is not None and os.path.realpath("/usr/bin/python3").endswith(version)
    stdlib = f"/usr/lib/python{version}"
    assert {
        f"{stdlib}/os.py",
        f"{stdlib}/json/__init__.py",
        f"{stdlib}/encodings/utf_8.py",
    } <= guests
    assert not [
        g for g in guests if re.match(rf"{stdlib}/(test|idlelib|tkinter|turtledemo|config-)", g)
    ]
    dynload = [g for g in guests if g.startswith(f"{stdlib}/lib-dynload/")]
    assert any("_decimal" in g for g in dynload) and any("_sqlite3" in g for g in dynload)
    reals = {os.path.realpath(f.host_path) for f in files}
    for soname in ("libsqlite3.so.0", "libssl.so.3", "libcrypto.so.3", "libnss_files.so.2"):
        assert os.path.realpath(f"/lib/x86_64-linux-gnu/{soname}") in reals, soname
    assert "/etc/ssl/certs/ca-certificates.crt" in guests
    assert "/usr/share/zoneinfo/Etc/UTC" in guests
    assert "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules" in guests
    for f in files:
        assert os.path.islink(f.host_path) or os.path.isfile(f.host_path), f
        assert f.reason


def test_runtime_files_follow_the_closure(sqlite3_bin: str) -> None:
    sqlite = {f.reason for f in iter_runtime_files(resolve_deps(sqlite3_bin))}
    assert "terminfo" in sqlite and not any("python" in r for r in sqlite)
    ls = {f.reason for f in iter_runtime_files(resolve_deps("/bin/ls"))}
    assert "terminfo" not in ls and "CA certificates" not in ls and "gconv" in ls
    assert "unwinder of pthread_cancel" in ls  # every glibc program may cancel a thread


@pytest.mark.skipif(not is_root, reason="chroot needs root")
def test_python_runs_in_a_chroot_of_exactly_these_files(tmp_path: Path) -> None:
    closure = resolve_deps("/usr/bin/python3")
    root = tmp_path / "root"
    copy_into(root, closure, [(f.host_path, f.guest_path) for f in iter_runtime_files(closure)])
    script = (
        "import json, hashlib, re, datetime, decimal, sqlite3, ssl, zoneinfo\n"
        "db = sqlite3.connect(':memory:'); db.execute('create table t (x)')\n"
        "db.executemany('insert into t values (?)', [(i,) for i in range(100)])\n"
        "print(db.execute('select sum(x) from t').fetchone()[0], decimal.Decimal('1.1') * 3,\n"
        "      hashlib.sha256(b'').hexdigest()[:8], json.dumps({'a': 1}),\n"
        "      len(ssl.create_default_context().get_ca_certs()) >= 0, zoneinfo.ZoneInfo('UTC'))\n"
        "open('/tmp/x', 'w').write('ok'); print(open('/tmp/x').read())\n"
    )
    (root / "tmp").mkdir()
    proc = subprocess.run(
        [CHROOT, str(root), "/usr/bin/python3", "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '4950 3.3 e3b0c442 {"a": 1} True UTC\nok\n'


@pytest.mark.skipif(not is_root, reason="chroot needs root")
def test_sqlite3_runs_in_a_chroot_of_exactly_these_files(tmp_path: Path, sqlite3_bin: str) -> None:
    closure = resolve_deps(sqlite3_bin)
    root = tmp_path / "root"
    copy_into(root, closure, [(f.host_path, f.guest_path) for f in iter_runtime_files(closure)])
    (root / "tmp").mkdir()
    sql = "create table t (x); insert into t values (1), (2); select sum(x) from t;"
    proc = subprocess.run(
        [CHROOT, str(root), sqlite3_bin, "/tmp/db", sql],
        capture_output=True,
        text=True,
        env={"TERM": "dumb"},
    )
    assert (proc.returncode, proc.stdout) == (0, "3\n"), proc.stderr
