"""loader/callgraph.py: what a library's exported functions reach, and the verdict it gives.

A small library built here has a function that opens a socket, one that does
pure arithmetic through a local helper, one that calls back a function whose
address it takes, and a constructor. A program importing only the pure
function cannot reach socket; one importing the socket function can, and
analyze names the import that leads to a missing call (chroot); a number passed to glibc's
syscall() is found too.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from loader.callgraph import get_graph, reachable_imports

LIB_SRC = r"""
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
static int helper(int x) { return x * 3; }
int pure(int x) { return helper(x) + 1; }
int opens_socket(void) { return socket(AF_INET, SOCK_STREAM, 0); }
static int sleeper(void) { return usleep(1); }
static int call_it(int (*f)(void)) { return f(); }
int calls_back(void) { return call_it(sleeper); }
long sets_policy(int mode) { return syscall(238, mode, 0, 0); }
int changes_root(void) { return chroot("/"); }
__attribute__((constructor)) static void at_load(void) { if (getenv("NEVER_SET_X")) abort(); }
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cg")
    (d / "lib.c").write_text(LIB_SRC)
    subprocess.run(["gcc", "-O1", "-fPIC", "-shared", "-o", str(d / "libcg.so"), str(d / "lib.c")],
                   check=True)
    return d / "libcg.so"


def program(lib: Path, name: str, call: str) -> Path:
    d = lib.parent
    (d / f"{name}.c").write_text(f"int {call}(); int main(void) {{ return {call}() < 0; }}\n")
    subprocess.run(["gcc", "-O1", "-o", str(d / name), str(d / f"{name}.c"), f"-L{d}", "-lcg",
                    f"-Wl,-rpath,{d}"], check=True)
    return d / name


def test_exports_reach_only_what_they_call(lib: Path) -> None:
    g = get_graph(lib, use_cache=False)
    assert {"pure", "opens_socket", "calls_back"} <= set(g.exports)
    assert "socket" in g.iter_reachable_imports(["opens_socket"])
    pure = g.iter_reachable_imports(["pure"])
    assert "socket" not in pure and "usleep" not in pure
    assert "usleep" in g.iter_reachable_imports(["calls_back"])  # a callback whose address it takes
    assert {"getenv", "abort"} <= g.iter_reachable_imports([])  # the constructor always runs
    assert g.get_reachable(["sets_policy"])[1] == {238} and g.get_reachable(["pure"])[1] == set()


def test_reachable_imports_follow_the_program(lib: Path) -> None:
    prog = program(lib, "uses_pure", "pure")
    found = reachable_imports([str(prog), str(lib)], ["pure", "__libc_start_main"])
    assert found is not None and "socket" not in found and found["getenv"] == {"constructor"}
    found = reachable_imports([str(prog), str(lib)], ["opens_socket"])
    assert found is not None and found["socket"] == {"opens_socket"}
    found = reachable_imports([str(prog), str(lib)], ["sets_policy"])
    assert found is not None and found["syscall:238"] == {"sets_policy"}


def test_analyze_names_the_import_that_leads_to_a_missing_call(
        lib: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    pure = json.loads(run_pkgload("analyze", "--json", str(program(lib, "uses_pure", "pure"))).stdout)
    assert "socket" not in pure["verdict"]
    root = json.loads(run_pkgload("analyze", "--json", str(program(lib, "uses_chroot", "changes_root"))).stdout)
    assert root["verdict"].startswith("may fail: chroot (via changes_root>chroot)")  # chroot is missing
    policy = json.loads(run_pkgload("analyze", "--json", str(program(lib, "uses_policy", "sets_policy"))).stdout)
    assert "set_mempolicy (via sets_policy>syscall)" in policy["verdict"]
