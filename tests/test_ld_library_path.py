"""`pkgload run -e LD_LIBRARY_PATH=DIR`: the image holds the libraries the guest's ld.so will find there.

A program linked against a library in a folder of its own (no RPATH) runs
natively only with LD_LIBRARY_PATH; under pkgload the same -e variable must
both reach the guest and steer which library goes into the image.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def program_with_private_lib(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build libanswer.so in its own folder and a program that needs it; return (program, folder)."""
    root = tmp_path_factory.mktemp("ldpath")
    libdir = root / "lib"
    libdir.mkdir()
    (root / "answer.c").write_text("int answer(void) { return 42; }\n")
    (root / "main.c").write_text('#include <stdio.h>\nint answer(void);\n'
                                 'int main(void) { printf("answer %d\\n", answer()); return 0; }\n')
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(libdir / "libanswer.so"), str(root / "answer.c")],
                   check=True)
    subprocess.run(["gcc", "-o", str(root / "prog"), str(root / "main.c"), f"-L{libdir}", "-lanswer"],
                   check=True)
    return root / "prog", libdir


def test_library_found_through_ld_library_path(program_with_private_lib: tuple[Path, Path],
                                               pkgload: Path) -> None:
    prog, libdir = program_with_private_lib
    native = subprocess.run([str(prog)], capture_output=True, env={**os.environ, "LD_LIBRARY_PATH": str(libdir)})
    guest = subprocess.run([str(pkgload), "run", "-e", f"LD_LIBRARY_PATH={libdir}", str(prog)],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert native.stdout == b"answer 42\n"
    assert (guest.returncode, guest.stdout, guest.stderr) == (0, native.stdout, b"")


def test_without_it_the_library_is_missing(program_with_private_lib: tuple[Path, Path], pkgload: Path) -> None:
    prog, _ = program_with_private_lib
    guest = subprocess.run([str(pkgload), "run", str(prog)], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=120)
    assert guest.returncode == 2
    assert guest.stderr.count(b"\n") == 1 and b"libanswer.so" in guest.stderr and b"not found" in guest.stderr
