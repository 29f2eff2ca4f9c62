"""Fixtures for the host-side unit tests: sample ELF files and a private cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from host_samples import compile_c


@pytest.fixture(scope="session")
def elf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real ELF files: static, static-pie, dynamic, and an object file."""
    d = tmp_path_factory.mktemp("elf")
    compile_c(d / "static", "-static", "-O2")
    compile_c(d / "static-pie", "-static-pie", "-O2")
    compile_c(d / "dynamic", "-O2")
    compile_c(d / "object.o", "-c", "-O2")
    return d


@pytest.fixture
def static_elf(elf_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the static hello (tests may edit it)."""
    return Path(shutil.copy2(elf_dir / "static", tmp_path / "hello"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point XDG_CACHE_HOME at a fresh folder; return pkgload's cache inside it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "pkgload"


@pytest.fixture
def run_pkgload(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Return a function running `python -m loader ARGS` with a private cache."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cli-cache"), **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "loader", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
        )

    return run
