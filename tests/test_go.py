"""Go programs: the runtime's timers and netpoller, natively and under `pkgload run`.

Go's runtime (Go 1.19, Debian's golang-go) creates its netpoller with
epoll_create1 and a non-blocking pipe2 at its first timer and sleeps in
epoll_pwait until the next one, from one thread or from several. Each
program of tests/go/ is built static (CGO_ENABLED=0) with its own Go caches
in a temporary folder, then run natively and in the guest on one vCPU and
on two: stdout, stderr and the exit status must match.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

GO_DIR = Path(__file__).resolve().parent / "go"
RUN_TIMEOUT = 120
PROGRAMS = sorted(p.name for p in GO_DIR.iterdir() if (p / "go.mod").exists())


@pytest.fixture(scope="module")
def go_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return an environment whose Go caches live in a temporary folder."""
    root = tmp_path_factory.mktemp("go")
    return {**os.environ, "GOCACHE": str(root / "cache"), "GOPATH": str(root / "path"),
            "GOFLAGS": "-trimpath", "CGO_ENABLED": "0", "XDG_CACHE_HOME": str(root / "xdg")}


@pytest.fixture(scope="module")
def go_binaries(go_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build every program of tests/go/; return where each binary is."""
    out = tmp_path_factory.mktemp("gobin")
    built = {}
    for name in PROGRAMS:
        try:
            proc = subprocess.run(["go", "build", "-o", str(out / name), "."], cwd=GO_DIR / name,
                                  env=go_env, capture_output=True, text=True, timeout=600)
        except FileNotFoundError:
            pytest.fail("go: not installed (tools/setup installs golang-go)", pytrace=False)
        if proc.returncode != 0:
            pytest.fail(f"go build of tests/go/{name} failed:\n{proc.stdout}{proc.stderr}", pytrace=False)
        built[name] = out / name
    return built


def run(cmd: list[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Run CMD from / with stdin at end of file; return its status, stdout and stderr."""
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, cwd="/", env=env,
                          timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("smp", [1, 2])
@pytest.mark.parametrize("name", PROGRAMS)
def test_go_same_as_native(name: str, smp: int, go_binaries: dict[str, Path], go_env: dict[str, str],
                           pkgload: Path, tmp_path: Path) -> None:
    """A Go program's output under pkgload (1 and 2 vCPUs) equals its native output."""
    binary = str(go_binaries[name])
    native = run([binary], go_env)
    assert native[0] == 0, f"{name} fails natively: {native}"
    log = tmp_path / "kernel.log"
    guest = run([str(pkgload), "run", "--smp", str(smp), "--log", str(log), binary], go_env)
    assert guest == native, f"{name} under pkgload --smp {smp}: {guest}\nkernel log:\n" + (
        log.read_text(errors="replace")[-3000:] if log.exists() else "(none)")
