"""loader/hostfs.py: each look at a host file is recorded, and plans read only through it.

A memoised plan is checked later by what computing it recorded, so a read
that bypasses HostFs would be a read the memo never checks: a stale cache.
The last two tests read the planning modules' code and fail on any file call
of their own, and on a module of ours that plan.py imports but that
closure_cache.PLAN_SOURCES (whose edits invalidate plans) leaves out.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from loader.closure_cache import PLAN_SOURCES
from loader.fstrace import FsTrace, has_changed
from loader.hostfs import HostFs

LOADER = Path(__file__).resolve().parents[2] / "loader"
# The modules that compute plans, and read the host only through HostFs.
PLANNING = ("plan.py", "programs.py", "script.py", "deps/closure.py", "deps/dynamic.py",
            "deps/hints.py", "deps/ldcache.py", "deps/resolver.py", "deps/runtime.py", "deps/search.py")
# os and os.path functions that compute on strings alone (or, fspath, on objects).
PURE_OS = {"fspath", "fsdecode", "path.join", "path.dirname", "path.basename", "path.normpath", "path.relpath",
           "path.splitext", "path.isabs"}


def test_each_look_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"data")
    (tmp_path / "l").symlink_to("d/f")
    trace = FsTrace()
    fs = HostFs(trace)
    assert fs.read(str(tmp_path / "d" / "f"), 2) == b"da"
    assert fs.kind(str(tmp_path / "l")) == "l" and fs.readlink(str(tmp_path / "l")) == "d/f"
    assert fs.listdir(str(tmp_path / "d")) == ["f"]
    assert not fs.is_file(str(tmp_path / "absent"))
    assert fs.absolute("rel", "/somewhere") == "/somewhere/rel"
    assert set(trace.keys) == {str(tmp_path / "d" / "f"), str(tmp_path / "d"), str(tmp_path / "absent")}
    assert list(trace.names) == [str(tmp_path / "l")] and trace.uses_cwd
    (tmp_path / "absent").write_bytes(b"")
    assert has_changed(trace.keys, trace.names)


def test_without_a_trace_it_only_reads(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    fs = HostFs()
    assert fs.read(str(tmp_path / "f")) == b"x" and fs.kind(str(tmp_path)) == "d"
    assert [root for root, _, _ in fs.walk(str(tmp_path))] == [str(tmp_path)]


def _file_calls(tree: ast.AST) -> list[str]:
    """Return the calls in tree that touch files other than through a HostFs."""
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "open":
            bad.append(f"open() at line {node.lineno}")
        name = ast.unparse(f)
        if name.startswith("os.") and name[3:] not in PURE_OS:
            bad.append(f"{name}() at line {node.lineno}")
        if isinstance(f, ast.Attribute) and f.attr in ("read_bytes", "read_text", "iterdir", "exists"):
            bad.append(f"{name}() at line {node.lineno}")
    return bad


@pytest.mark.parametrize("module", PLANNING)
def test_planning_reads_only_through_hostfs(module: str) -> None:
    tree = ast.parse((LOADER / module).read_text())
    assert _file_calls(tree) == [], f"loader/{module} reads host files without HostFs"


def _imports_of(path: Path) -> set[str]:
    """Return the loader/ files that path imports, as paths relative to loader/."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            if name.startswith("loader."):
                rel = name[len("loader."):].replace(".", "/")
                out.add(f"{rel}/__init__.py" if (LOADER / rel).is_dir() else f"{rel}.py")
    return out


def test_plan_sources_cover_what_plan_imports() -> None:
    todo, seen = ["plan.py"], set()
    while todo:
        mod = todo.pop()
        if mod not in seen and os.path.exists(LOADER / mod):
            seen.add(mod)
            todo.extend(_imports_of(LOADER / mod))
    assert seen - set(PLAN_SOURCES) == set()
