"""`pkgload analyze --json` against readelf's view of real Debian programs."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from test_image_dynamic import make_uses_foo

RunPkgload = Callable[..., subprocess.CompletedProcess[str]]


def readelf(flag: str, path: str) -> str:
    return subprocess.run(["readelf", "-W", flag, path], capture_output=True, text=True,
                          check=True).stdout


def analyze(run_pkgload: RunPkgload, *args: str) -> dict[str, Any]:
    proc = run_pkgload("analyze", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "program", ["/usr/bin/python3", "/usr/bin/sqlite3", "/usr/bin/lua5.4", "/bin/busybox"]
)
def test_facts_match_readelf(program: str, run_pkgload: RunPkgload) -> None:
    if not os.path.exists(program):
        pytest.fail(f"{program}: not installed, run tools/setup", pytrace=False)
    doc = analyze(run_pkgload, program)
    dyn, segs = readelf("-d", program), readelf("-lh", program)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", dyn)
    interp = re.search(r"\[Requesting program interpreter: (.+)\]", segs)
    assert doc["format"] == "pkgload-analyze-1"
    assert doc["elf"]["needed"] == needed
    assert doc["elf"]["interpreter"] == (interp.group(1) if interp else None)
    assert doc["elf"]["static"] == (interp is None)
    is_dyn = re.search(r"Type:\s+DYN", segs) is not None
    assert doc["elf"]["pie"] == (is_dyn or "PIE" in dyn)
    assert doc["elf"]["tls"] == (re.search(r"^\s+TLS\s", segs, re.M) is not None)
    gnu_stack = re.search(r"^\s+GNU_STACK\s.*\s(R?W?E?)\s+0x\w+$", segs, re.M)
    assert doc["elf"]["executable_stack"] == (gnu_stack is None or "E" in gnu_stack.group(1))
    names = {lib["name"] for lib in doc["libraries"]}
    assert set(needed) <= names and doc["missing"] == []
    for lib in doc["libraries"]:
        assert os.path.exists(lib["path"]) and lib["found_by"]
    assert doc["scope"] == "likely" and doc["syscalls"]
    statuses = {"full", "partial", "fake", "stub", "missing"}
    assert all(s["status"] in statuses for s in doc["syscalls"])
    assert isinstance(doc["undetermined_sites"], int)
    assert doc["verdict"].startswith(("runs", "may fail: ", "will fail at start-up: "))


def test_all_scope_is_a_superset(run_pkgload: RunPkgload) -> None:
    likely = {s["nr"] for s in analyze(run_pkgload, "/usr/bin/sqlite3")["syscalls"]}
    every = analyze(run_pkgload, "--all", "/usr/bin/sqlite3")
    assert every["scope"] == "all"
    assert likely <= {s["nr"] for s in every["syscalls"]}


def test_missing_library_is_reported(tmp_path: Path, run_pkgload: RunPkgload) -> None:
    prog = make_uses_foo(tmp_path)
    os.unlink(tmp_path / "libfoo.so")
    doc = analyze(run_pkgload, str(prog))
    assert [m["name"] for m in doc["missing"]] == ["libfoo.so"]
    assert doc["missing"][0]["needed_by"] == str(prog)
    assert doc["verdict"] == "needs missing libraries: libfoo.so"
    table = run_pkgload("analyze", str(prog))
    assert table.returncode == 0 and "needs missing libraries: libfoo.so" in table.stdout


def test_not_a_program_is_status_2(tmp_path: Path, run_pkgload: RunPkgload) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    proc = run_pkgload("analyze", str(text))
    assert proc.returncode == 2 and proc.stderr.startswith(f"Error: {text}: not an ELF file")


def test_sites_of_a_dynamic_program_count_libcs(run_pkgload: RunPkgload) -> None:
    # sqlite3's own code has no `syscall` instruction: its sites are libc's, through what it imports
    doc = analyze(run_pkgload, "/usr/bin/sqlite3")
    sites = {s["name"]: s["sites"] for s in doc["syscalls"]}
    assert sites["write"] >= 1 and sites["openat"] >= 1 and sites["mmap"] >= 1
    assert sum(n > 0 for n in sites.values()) > len(sites) // 2
