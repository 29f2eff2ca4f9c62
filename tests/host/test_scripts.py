"""`#!` scripts as PROGRAM: the argv Linux gives, the image, the errors, a run in the VM.

The `#!` line is checked against the host's own kernel: each script names
ARGV, a static program printing its argv, as interpreter, is run natively by
execve, and its argv must be what loader/script.py says the interpreter
gets; a line the host refuses must be refused too.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from host_samples import compile_c
from kernel_features import lacking
from loader.deps import resolve_symlinks
from loader.errors import ScriptError
from loader.hostfs import HostFs
from loader.image import build_image
from loader.script import MAX_SCRIPTS, parse_shebang, resolve_launch
from test_image import read_newc

ARGV_C = b"""#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) fwrite(argv[i], 1, strlen(argv[i]) + 1, stdout);
    return 0;
}
"""


@pytest.fixture(scope="module")
def argv_prog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A static program that writes its argv, each string NUL-terminated."""
    d = Path(os.path.realpath(tmp_path_factory.mktemp("argv")))
    return compile_c(d / "argv", "-static", "-O2", source=ARGV_C)


def _script(path: Path, text: bytes, mode: int = 0o755) -> Path:
    """Write an executable script; return its real path."""
    path.write_bytes(text)
    path.chmod(mode)
    return Path(os.path.realpath(path))


def _native_argv(script: Path, *args: str) -> list[str] | int:
    """Run script natively; return the argv its interpreter got, or the errno of execve."""
    try:
        out = subprocess.run([str(script), *args], capture_output=True, check=True).stdout
    except OSError as e:
        return e.errno or -1
    return [os.fsdecode(a) for a in out.split(b"\0")[:-1]]


def _our_argv(script: Path, *args: str) -> list[str] | str:
    """Return the argv loader/script.py starts the interpreter with, or ScriptError's text."""
    try:
        launch = resolve_launch(str(script), HostFs())
    except ScriptError as e:
        return str(e)
    assert launch.argv_prefix is not None
    return [*launch.argv_prefix, *args]


LINES = {
    "plain": b"#!{}\n",
    "spaces around": b"#!  {} \t \n",
    "one argument": b"#!{} -x\n",
    "argument with spaces": b"#!{}  a b\tc  \n",
    "tab separated": b"#!{}\targ\n",
    "no newline": b"#!{}",
    "no newline, argument": b"#!{} -e ",
    "NUL in argument": b"#!{} ab\0cd\n",
    "long argument cut at 256 bytes": b"#!{} " + b"y" * 300 + b"\n",
    "CRLF": b"#!{}\r\n",
}


@pytest.mark.parametrize("case", LINES)
def test_shebang_argv_is_linuxs(case: str, argv_prog: Path, tmp_path: Path) -> None:
    script = _script(tmp_path / "s", LINES[case].replace(b"{}", bytes(argv_prog)))
    native = _native_argv(script, "1", "two words")
    ours = _our_argv(script, "1", "two words")
    if isinstance(native, int):  # refused natively (CRLF: no such interpreter)
        assert isinstance(ours, str) and ours.startswith(f"{script}: "), ours
    else:
        assert ours == native


@pytest.mark.parametrize("line", [b"#!\n", b"#!  \t\n", b"#!" + b" " * 300, b"#!/" + b"a" * 300])
def test_lines_linux_refuses_are_refused(line: bytes, tmp_path: Path) -> None:
    script = _script(tmp_path / "s", line)
    assert _native_argv(script) == 8  # ENOEXEC
    with pytest.raises(ValueError):
        parse_shebang(line)


def test_not_a_script_is_none() -> None:
    assert parse_shebang(b"\x7fELF") is None and parse_shebang(b"#x\n") is None
    assert parse_shebang(b"") is None


def test_interpreter_chain_is_linuxs(argv_prog: Path, tmp_path: Path) -> None:
    """A script's interpreter may be a script: up to MAX_SCRIPTS in all, as the host allows."""
    prev = argv_prog
    for i in range(MAX_SCRIPTS + 1):
        prev = _script(tmp_path / f"s{i}", b"#!%s a%d\n" % (bytes(prev), i))
        native, ours = _native_argv(prev, "x"), _our_argv(prev, "x")
        if i < MAX_SCRIPTS:
            assert ours == native
        else:
            assert native == 40  # ELOOP
            assert "levels of #! interpreters" in str(ours)


def test_launch_names_the_scripts_and_interpreters(argv_prog: Path, tmp_path: Path) -> None:
    inner = _script(tmp_path / "inner", b"#!%s\n" % bytes(argv_prog))
    outer = _script(tmp_path / "outer", b"#!%s -v\n" % bytes(inner))
    launch = resolve_launch(str(outer), HostFs())
    assert launch.boot == str(argv_prog)
    assert launch.scripts == (str(outer), str(inner))
    assert launch.interpreters == (str(inner), str(argv_prog))
    assert launch.argv_prefix == (str(argv_prog), str(inner), "-v", str(outer))


def test_elf_program_launches_itself(argv_prog: Path) -> None:
    launch = resolve_launch(str(argv_prog), HostFs())
    assert (launch.boot, launch.argv_prefix, launch.is_script) == (str(argv_prog), None, False)


def _entries(path: Path) -> dict[str, tuple[int, bytes]]:
    return {"/" + n: (mode, body) for n, mode, body in read_newc(path.read_bytes())}


def test_image_starts_the_interpreter_and_carries_the_script(tmp_path: Path, cache: Path) -> None:
    script = _script(tmp_path / "s.sh", b"#!/bin/sh -e\necho hi\n")
    img = build_image(script)
    dash = os.path.realpath("/bin/sh")
    assert img.guest_path == dash
    assert img.get_argv(str(script), ["a"]) == ["/bin/sh", "-e", str(script), "a"]
    entries = _entries(img.path)
    assert entries[str(script)][1] == script.read_bytes()
    assert entries[dash][1] == Path(dash).read_bytes()
    for link in resolve_symlinks("/", "/bin/sh")[1]:  # the interpreter's path as named works
        assert entries[link.path] == (0o120777, link.target.encode())
    assert "/etc/ld.so.cache" in entries  # dash is dynamic: its libraries come along
    second = build_image(script)
    assert not second.built and second.key == img.key
    assert second.get_argv(str(script), ["a"]) == ["/bin/sh", "-e", str(script), "a"]


def test_new_first_line_gives_a_new_launch(argv_prog: Path, tmp_path: Path, cache: Path) -> None:
    script = _script(tmp_path / "s", b"#!/bin/sh\necho hi\n")
    assert build_image(script).guest_path == os.path.realpath("/bin/sh")
    _script(script, b"#!%s one\n" % bytes(argv_prog))
    img = build_image(script)
    assert img.guest_path == str(argv_prog)
    assert img.get_argv(str(script), []) == [str(argv_prog), "one", str(script)]
    script.write_bytes(bytes(argv_prog.read_bytes()))  # now an ELF program itself
    img = build_image(script)
    assert img.guest_path == str(script) and img.get_argv("s", ["x"]) == ["s", "x"]


def test_env_brings_the_program_it_names(tmp_path: Path, cache: Path) -> None:
    script = _script(tmp_path / "s.py", b"#!/usr/bin/env python3\nprint('hi')\n")
    entries = _entries(build_image(script).path)
    python = os.path.realpath("/usr/bin/python3")
    assert python in entries and "/usr/bin/python3" in entries
    assert any(p.endswith("/os.py") for p in entries)  # with its run-time files


@pytest.mark.parametrize("text, mode, message", [
    (b"#!/bin/sh\n", 0o644, "not executable (mode 0644), chmod +x it"),
    (b"#!/no/such/interpreter\n", 0o755, "interpreter /no/such/interpreter not found"),
    (b"#!/etc/passwd\n", 0o755, "interpreter /etc/passwd not executable (mode 0644), chmod +x it"),
    (b"#!\n", 0o755, "no interpreter named on its #! line"),
])
def test_bad_script_is_one_line_status_2(
    text: bytes, mode: int, message: str, tmp_path: Path,
    run_pkgload: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    script = _script(tmp_path / "s", text, mode)
    proc = run_pkgload("run", str(script))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"Error: {script}: {message}\n"


def test_interpreter_that_is_neither_elf_nor_script(
    tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    interp = _script(tmp_path / "interp", b"just text\n")
    script = _script(tmp_path / "s", b"#!%s\n" % bytes(interp))
    proc = run_pkgload("run", str(script))
    assert proc.returncode == 2
    assert proc.stderr == f"Error: {script}: interpreter {interp} is neither an ELF program nor a script\n"


def test_script_runs_as_natively(
    tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    script = _script(tmp_path / "s.sh", b'#!/bin/sh -u\necho "$0" "$#" "$@" >&2\nexit 7\n')
    native = subprocess.run(["env", "-i", str(script), "a b", "c"], capture_output=True, text=True)
    proc = run_pkgload("run", str(script), "a b", "c")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        native.returncode, native.stdout, native.stderr) == (7, "", f"{script} 2 a b c\n")


@pytest.mark.xfail(bool(lacking(["execve"])), reason="env execs python3: the kernel lacks execve")
def test_python_script_through_env_runs(
    tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    script = _script(tmp_path / "s.py", b"#!/usr/bin/env python3\nimport sys\nprint(sys.argv)\n")
    native = subprocess.run(["env", "-i", str(script), "x"], capture_output=True, text=True)
    proc = run_pkgload("run", str(script), "x")
    assert (proc.returncode, proc.stdout, proc.stderr) == (native.returncode, native.stdout, "")
