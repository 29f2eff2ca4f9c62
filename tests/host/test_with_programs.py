"""Programs besides PROGRAM: --with NAME_OR_PATH, and ELF files or scripts of --file and --dir.

Each brings what it needs to be exec'd, as PROGRAM does: the links on its
path, its libraries as ld.so resolves them (compared with loader.deps for
the same file), a script's interpreter. The memoised plan must notice a
change in any of them, in the PATH a name is looked up on, and in an
execute bit of a --dir's file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import loader.fstrace
from host_samples import compile_c
from kernel_features import lacking
from loader.deps import resolve_deps, resolve_symlinks
from loader.errors import MissingLibrary, ProgramNotFound
from loader.image import ExtraPath, build_image
from test_image import read_newc

LIBFOO_C = b"int foo(void) { return 42; }\n"
LIBBAR_C = b"int bar(void) { return 7; }\n"
LIBFOO_BAR_C = b"int bar(void);\nint foo(void) { return bar(); }\n"
USES_FOO_C = b'#include <stdio.h>\nint foo(void);\nint main(void) { printf("%d\\n", foo()); }\n'


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memoise plans of files made a moment ago (tests wait for no clock tick)."""
    monkeypatch.setattr(loader.fstrace, "RACY_NS", 0)


def _entries(img_path: Path) -> dict[str, tuple[int, bytes]]:
    return {"/" + n: (mode, body) for n, mode, body in read_newc(img_path.read_bytes())}


def _app(d: Path, name: str = "app") -> Path:
    """Build d/NAME needing d/lib/libfoo.so through an $ORIGIN rpath."""
    (d / "lib").mkdir(parents=True, exist_ok=True)
    compile_c(d / "lib" / "libfoo.so", "-shared", "-fPIC", source=LIBFOO_C)
    return compile_c(d / name, f"-L{d / 'lib'}", "-Wl,-rpath,$ORIGIN/lib", "-Wl,--no-as-needed",
                     "-lfoo", source=USES_FOO_C)


def _assert_closure_in(entries: dict[str, tuple[int, bytes]], program: str) -> None:
    """Check that every object of program's closure, and each link to it, is in entries."""
    closure = resolve_deps(program)
    closure.require_complete()
    for lib in closure.iter_objects():
        assert entries[lib.real_path][1] == Path(lib.real_path).read_bytes(), lib.real_path
        for link in lib.links:
            assert entries[link.path] == (0o120777, link.target.encode())
    assert "/etc/ld.so.cache" in entries


def test_with_name_brings_the_program_from_path_and_its_closure(static_elf: Path,
                                                                cache: Path) -> None:
    img = build_image(static_elf, withs=["ls"])
    entries = _entries(img.path)
    found = shutil.which("ls")
    assert found is not None
    real, links = resolve_symlinks("/", found)
    assert entries[real][1] == Path(real).read_bytes() and entries[real][0] & 0o111
    for link in links:
        assert entries[link.path] == (0o120777, link.target.encode())
    _assert_closure_in(entries, real)


def test_with_path_keeps_the_links_on_its_way(static_elf: Path, cache: Path) -> None:
    entries = _entries(build_image(static_elf, withs=["/bin/cat"]).path)
    real, links = resolve_symlinks("/", "/bin/cat")
    assert real in entries
    for link in links:  # /bin -> usr/bin on a merged-/usr system: /bin/cat works in the guest
        assert entries[link.path] == (0o120777, link.target.encode())


def test_with_follows_path_order(static_elf: Path, cache: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _app(second, "tool")
    first.mkdir()
    host_path = os.environ["PATH"]  # kept after ours, so that gcc stays found
    monkeypatch.setenv("PATH", f"{first}:{second}:{host_path}")
    assert str(second / "tool") in _entries(build_image(static_elf, withs=["tool"]).path)
    _app(first, "tool")  # a program earlier on PATH now wins, memoised plan or not
    entries = _entries(build_image(static_elf, withs=["tool"]).path)
    assert str(first / "tool") in entries and str(first / "lib" / "libfoo.so") in entries
    monkeypatch.setenv("PATH", f"{second}:{host_path}")
    assert str(first / "tool") not in _entries(build_image(static_elf, withs=["tool"]).path)


def test_with_notices_a_changed_library(static_elf: Path, cache: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")  # gcc stays found
    first = build_image(static_elf, withs=["app"])
    assert str(tmp_path / "lib" / "libbar.so") not in _entries(first.path)
    compile_c(tmp_path / "lib" / "libbar.so", "-shared", "-fPIC", source=LIBBAR_C)
    compile_c(tmp_path / "lib" / "libfoo.so", "-shared", "-fPIC", f"-L{tmp_path / 'lib'}",
              "-Wl,--no-as-needed", "-lbar", "-Wl,-rpath,$ORIGIN", source=LIBFOO_BAR_C)
    second = build_image(static_elf, withs=["app"])
    assert second.key != first.key
    assert str(tmp_path / "lib" / "libbar.so") in _entries(second.path)
    app.write_bytes(app.read_bytes() + b"\0")  # the program itself
    assert build_image(static_elf, withs=["app"]).key != second.key


def test_with_missing_library_or_name_is_an_error(static_elf: Path, cache: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    (tmp_path / "lib" / "libfoo.so").unlink()
    with pytest.raises(MissingLibrary, match=f"libfoo.so: needed by {app}, not found"):
        build_image(static_elf, withs=[str(app)])
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(ProgramNotFound, match="app: not found on the host's PATH"):
        build_image(static_elf, withs=["app"])


def test_with_script_brings_its_interpreter(static_elf: Path, cache: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    script = tmp_path / "tool.sh"
    script.write_text(f"#!{app}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    entries = _entries(build_image(static_elf, withs=["tool.sh"]).path)
    assert str(script) in entries and str(app) in entries
    assert str(tmp_path / "lib" / "libfoo.so") in entries


def test_file_elf_brings_its_closure(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    app = _app(tmp_path / "src")
    entries = _entries(build_image(static_elf, extra=[ExtraPath(str(app), "/opt/app")]).path)
    assert entries["/opt/app"][1] == app.read_bytes()
    _assert_closure_in(entries, str(app))


def test_file_elf_missing_a_library_is_an_error(static_elf: Path, cache: Path,
                                                tmp_path: Path) -> None:
    app = _app(tmp_path)
    (tmp_path / "lib" / "libfoo.so").unlink()
    with pytest.raises(MissingLibrary):
        build_image(static_elf, extra=[ExtraPath(str(app), str(app))])


def test_dir_elves_bring_their_closures_as_found(static_elf: Path, cache: Path,
                                                 tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    app = _app(tree)
    broken = _app(tmp_path / "elsewhere", "broken")
    shutil.copy2(broken, tree / "broken")  # its $ORIGIN/lib has no libfoo.so: shipped anyway
    shutil.copy2("/usr/bin/cat", tree / "cat")
    (tree / "data.bin").write_bytes(b"\x7fELF not really")
    entries = _entries(build_image(static_elf, extra=[ExtraPath(str(tree), str(tree))]).path)
    _assert_closure_in(entries, str(app))
    _assert_closure_in(entries, str(tree / "cat"))
    assert str(tree / "broken") in entries and str(tree / "data.bin") in entries


def test_dir_shared_object_brings_its_needs(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    lib = tmp_path / "plugins"
    lib.mkdir()
    compile_c(lib / "libbar.so", "-shared", "-fPIC", source=LIBBAR_C)
    compile_c(lib / "plugin.so", "-shared", "-fPIC", f"-L{lib}", "-Wl,--no-as-needed", "-lbar",
              "-Wl,-rpath,/opt/elsewhere", source=LIBFOO_BAR_C)
    (lib / "libbar.so").rename(tmp_path / "libbar.so")
    (lib / "plugin.so").chmod(0o644)
    entries = _entries(build_image(static_elf, extra=[ExtraPath(str(lib), "/plugins")]).path)
    assert "/plugins/plugin.so" in entries
    assert os.path.realpath("/lib/x86_64-linux-gnu/libc.so.6") in entries  # plugin.so's libc


def test_dir_file_made_executable_brings_its_closure(static_elf: Path, cache: Path,
                                                     tmp_path: Path) -> None:
    libs = tmp_path / "libs"
    libs.mkdir()
    compile_c(libs / "libfoo.so", "-shared", "-fPIC", source=LIBFOO_C)
    tree = tmp_path / "tree"
    tree.mkdir()
    app = compile_c(tree / "app", f"-L{libs}", f"-Wl,-rpath,{libs}", "-Wl,--no-as-needed",
                    "-lfoo", source=USES_FOO_C)
    app.chmod(0o644)  # neither executable nor named like a shared object: data
    extra = [ExtraPath(str(tree), "/tree")]
    assert str(libs / "libfoo.so") not in _entries(build_image(static_elf, extra=extra).path)
    app.chmod(0o755)  # changes no folder's mtime: the plan keeps each file's mode
    _assert_closure_in(_entries(build_image(static_elf, extra=extra).path), str(app))


def test_cli_with_name_not_on_path_is_one_line_status_2(
    static_elf: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    proc = run_pkgload("run", "--with", "no-such-program-anywhere", str(static_elf))
    assert proc.returncode == 2
    assert proc.stderr == ("Error: no-such-program-anywhere: not found on the host's PATH, "
                           "give its path\n")


@pytest.mark.xfail(bool(lacking(["fork", "execve", "wait4"])),
                   reason=f"the kernel lacks {', '.join(lacking(['fork', 'execve', 'wait4']))}")
def test_shell_pipeline_of_with_programs_runs(
    tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("b", "a", "c"):
        (tree / name).write_text(name)
    cmd = f"ls {tree} | cat; cat {tree}/a"
    native = subprocess.run(["env", "-i", "/bin/sh", "-c", cmd], capture_output=True, text=True)
    proc = run_pkgload("run", "--with", "ls", "--with", "cat", "--dir", str(tree),
                       "/bin/sh", "-c", cmd)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        native.returncode, native.stdout, native.stderr)
