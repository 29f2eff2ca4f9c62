"""loader/deps/hints.py and runtime.py: the hint files' format, and how a rule applies.

A bad hint file is a one-line HintError naming the file, the hint and the
key; the shipped hints all load; a rule's program, soname and version
matching, its finds, trees with skip globs and dpkg file lists work on a
made-up sysroot, and a host without dpkg's lists gets nothing from them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from loader.deps import iter_runtime_files, resolve_deps
from loader.deps.hints import HINTS_DIR, load_hints, parse_hint_file
from loader.errors import HintError, PkgloadError
from loader.hostfs import HostFs

GOOD = """
[[hint]]
name = "toy"
when.program = 'toy(?P<version>\\d+\\.\\d+)$'
[[hint.ship]]
files = ["/usr/share/toy/{version}/init.toy"]
"""

BAD = [
    ("[[hint]]\nname = 3\nwhen.program = 'x'\n", "'name' must be a string"),
    ("[[hint]]\nwhen.program = 'x'\n", "missing 'name'"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\nfils = []\n", "hint 'a': unknown key 'fils'"),
    ("[[hint]]\nname = 'a'\n", "'when' must name"),
    ("[[hint]]\nname = 'a'\nwhen.program = '('\n", "when.program: bad regular expression"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\n[[hint.ship]]\nfiles = ['/{version}']\n",
     "uses {version}, which this hint does not define"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\n[[hint.ship]]\nfiles = ['/a']\ntree = '/b'\n",
     "give exactly one of files, tree, packages"),
    ("[[hint]]\nname = 'a'\nwhen.option = 'turbo'\n", "unknown option 'turbo'"),
    ("[[hint]]\nname = 'a'\nwhen.symbol = 'f'\nversion.from_bytes = 'v(\\d)(\\d)'\n",
     "needs exactly one group"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\nversion.check = '/x'\n",
     "version.check needs version.from_bytes"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\n[[hint.dlopen]]\nnames = 'libx.so'\n",
     "'names' must be a list of strings"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\nmemory_mib = '1G'\n", "memory_mib must be a whole number"),
    ("[[hint]]\nname = 'a'\nwhen.program = 'x'\nmemory_mib = 2\n", "at least 4"),
    ("hint = 1\n", "'hint' must be an array of tables"),
    ("[[hint]\n", "not a TOML file"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_hint_file_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(HintError) as e:
        parse_hint_file(text.encode(), "bad.toml")
    assert str(e.value).startswith("bad.toml: ") and message in str(e.value)
    assert isinstance(e.value, PkgloadError) and "\n" not in str(e.value)


def test_a_name_defined_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(HintError, match="hint 'toy' is defined twice"):
        load_hints(HostFs(), str(tmp_path))


def test_the_shipped_hints_load() -> None:
    names = {h.name for h in load_hints(HostFs(), HINTS_DIR)}
    assert {"glibc-nss", "glibc-unwind", "glibc-gconv", "terminfo", "tls-ca", "python"} <= names
    assert {"lua", "perl", "tcl", "gawk", "php", "ruby", "guile", "nodejs", "openjdk"} <= names
    assert {h.name: h.memory_mib for h in load_hints(HostFs(), HINTS_DIR)}["openjdk"] == 1024


def _toy_sysroot(root: Path, static: Path) -> None:
    """Make a sysroot with a static toy3.2 program, its init file, a tree and a dpkg list."""
    (root / "usr/bin").mkdir(parents=True)
    shutil.copy2(static, root / "usr/bin/toy3.2")
    os.symlink("toy3.2", root / "usr/bin/toy")
    lib = root / "usr/share/toy/3.2"
    (lib / "tests").mkdir(parents=True)
    (lib / "sub").mkdir()
    for f in ("init.toy", "sub/mod.toy", "sub/mod.txt", "tests/t.toy"):
        (lib / f).write_text(f)
    (root / "usr/share/doc/toy").mkdir(parents=True)
    (root / "usr/share/doc/toy/README").write_text("doc")
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "toy-data:amd64.list").write_text(
        "/.\n/usr\n/usr/share/toy\n/usr/share/toy/3.2/sub/mod.txt\n/usr/share/doc/toy/README\n"
        "/usr/share/toy/3.2/gone\n")


TOY = """
[[hint]]
name = "toy"
reason = "toy{version} library"
when.program = '^toy(?P<version>\\d+\\.\\d+)$'
find.lib = { first_of = ["/opt/toy/{version}", "/usr/share/toy/{version}"], holding = "init.toy" }
[[hint.ship]]
tree = "{lib}"
skip = ["tests", "*.txt"]
[[hint.ship]]
packages = ["toy-data"]
skip = ["/usr/share/doc/*"]
reason = "toy data"

[[hint]]
name = "never"
when.program = '^python'
[[hint.ship]]
files = ["/usr/share/toy/3.2/tests/t.toy"]
"""


def test_a_hint_applies_to_a_sysroot(tmp_path: Path, static_elf: Path) -> None:
    root = tmp_path / "root"
    _toy_sysroot(root, static_elf)
    hints = tmp_path / "hints"
    hints.mkdir()
    (hints / "toy.toml").write_text(TOY)
    closure = resolve_deps("/usr/bin/toy", sysroot=root)
    files = {f.guest_path: f.reason for f in iter_runtime_files(closure, hints_dir=str(hints))}
    assert files == {
        "/usr/share/toy/3.2/init.toy": "toy3.2 library",
        "/usr/share/toy/3.2/sub/mod.toy": "toy3.2 library",
        "/usr/share/toy/3.2/sub/mod.txt": "toy data",  # skipped by the tree, listed by dpkg
    }
    shutil.rmtree(root / "var/lib/dpkg")  # no dpkg: nothing from its lists, no error
    files = {f.guest_path for f in iter_runtime_files(closure, hints_dir=str(hints))}
    assert files == {"/usr/share/toy/3.2/init.toy", "/usr/share/toy/3.2/sub/mod.toy"}
    (root / "usr/share/toy/3.2/init.toy").unlink()  # the find fails: the hint ships nothing
    assert list(iter_runtime_files(closure, hints_dir=str(hints))) == []


def test_a_plan_depends_on_the_hint_files(tmp_path: Path) -> None:
    from loader.fstrace import FsTrace

    (tmp_path / "toy.toml").write_text(GOOD)
    trace = FsTrace()
    load_hints(HostFs(trace), str(tmp_path))
    assert {str(tmp_path), str(tmp_path / "toy.toml")} <= set(trace.keys)


def _embedder(tmp_path: Path, version: str) -> Path:
    """Compile a program that exports Py_Main and names pythonVERSION, as an embedding program does."""
    from host_samples import compile_c

    src = (b'#include <stdio.h>\nint Py_Main(int c, char **v) { return 0; }\n'
           b'int main(void) { puts("/usr/lib/python' + version.encode() + b'/site"); return 0; }\n')
    return compile_c(tmp_path / f"embed{version}", "-O2", "-rdynamic", source=src)


def test_an_embedded_python_is_found_by_its_symbol(tmp_path: Path) -> None:
    from loader.deps import get_python_version

    host = resolve_deps("/usr/bin/python3")
    version = get_python_version(host)
    assert version is not None
    closure = resolve_deps(_embedder(tmp_path, version))
    assert get_python_version(closure) == version
    files = {f.guest_path for f in iter_runtime_files(closure)}
    assert f"/usr/lib/python{version}/os.py" in files
    # A version with no stdlib folder on the host: not Python, no stdlib.
    other = resolve_deps(_embedder(tmp_path, "2.1"))
    assert get_python_version(other) is None
    assert not any("/python" in f for f in (g.guest_path for g in iter_runtime_files(other)))


NODE_BUILTINS = ("cjs-module-lexer/lexer.js", "cjs-module-lexer/dist/lexer.js", "undici/undici-fetch.js",
                 "acorn/dist/acorn.js", "acorn-walk/dist/walk.js")


def test_debian_node_gets_its_shared_builtins(tmp_path: Path) -> None:
    """A program needing libnode.so.N (Debian's nodejs) gets the built-ins libnode reads by path."""
    from host_samples import compile_c

    root = tmp_path / "root"
    libdir = root / "usr/lib/x86_64-linux-gnu"
    libdir.mkdir(parents=True)
    (root / "usr/bin").mkdir()
    (root / "lib64").mkdir()
    shutil.copy2("/lib64/ld-linux-x86-64.so.2", root / "lib64")
    compile_c(libdir / "libnode.so.108", "-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libnode.so.108",
                    source=b"int node_start(void) { return 0; }\n")
    compile_c(root / "usr/bin/node", "-nostdlib", f"-L{libdir}", "-Wl,--no-as-needed,-l:libnode.so.108",
              "-Wl,--unresolved-symbols=ignore-in-object-files",
              source=b"int node_start(void);\nvoid _start(void) { node_start(); for (;;) ; }\n")
    want = {f"/usr/share/nodejs/{name}" for name in NODE_BUILTINS}
    closure = resolve_deps("/usr/bin/node", sysroot=root)
    assert list(iter_runtime_files(closure)) == []      # not installed: nothing, no error
    for path in want:
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_text("// built-in\n")
    files = {f.guest_path: f.reason for f in iter_runtime_files(closure)}
    assert files == dict.fromkeys(want, "node's shared built-ins")
