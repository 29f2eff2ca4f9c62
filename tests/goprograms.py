"""The Go test programs of tests/go/ and how they are built.

Each tests/go/<name>.go is one `package main`, built with Debian's golang-go
as a static binary (`CGO_ENABLED=0 go build -trimpath`) into
build/tests/go/<name>, again only when the source is newer than the binary.
Go's build cache and module path live under build/tests/go/ too: a build
never writes into the real home.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cprograms import BUILD_DIR, REPO

GO_DIR = REPO / "tests" / "go"
GO_BUILD_DIR = BUILD_DIR / "go"


def iter_go_sources() -> list[Path]:
    """Return every tests/go/*.go, sorted by name."""
    return sorted(GO_DIR.glob("*.go"))


def get_go_binary(name: str) -> Path:
    """Return where the Go program `name` is built (built or not)."""
    return GO_BUILD_DIR / name


def _go_env() -> dict[str, str]:
    """Return the environment of `go build`: static, its caches under build/, no user config."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(GO_BUILD_DIR),
        "CGO_ENABLED": "0",
        "GOCACHE": str(GO_BUILD_DIR / ".cache"),
        "GOPATH": str(GO_BUILD_DIR / ".gopath"),
        "GOENV": "off",
        "GOFLAGS": "",
        "GO111MODULE": "off",  # one file, the standard library only: no go.mod needed
    }


def _build(source: Path) -> str | None:
    """Build one program unless it is fresh; return None on success, else go's complaint."""
    binary = get_go_binary(source.stem)
    if binary.exists() and binary.stat().st_mtime >= source.stat().st_mtime:
        return None
    tmp = binary.with_name(f".{binary.name}.tmp")
    cmd = ["go", "build", "-trimpath", "-o", str(tmp), str(source)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_go_env(), cwd=GO_DIR)
    except FileNotFoundError:
        return "go: not installed (tools/setup installs golang-go)"
    if proc.returncode != 0:
        return f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    os.replace(tmp, binary)
    return None


def build_go_programs() -> list[str]:
    """Build every Go program; return the errors (empty when all built).

    One at a time: `go build` already uses every CPU.
    """
    GO_BUILD_DIR.mkdir(parents=True, exist_ok=True)
    return [err for err in map(_build, iter_go_sources()) if err is not None]
