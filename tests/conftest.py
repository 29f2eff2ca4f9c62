"""Shared fixtures: the kernel, the `pkgload` command, and the C test programs.

Nothing here skips: a missing compiler, kernel or console script fails the
tests that need it, loudly. The session gets a pkgload cache of its own: a
temporary XDG_CACHE_HOME, set before the test modules are imported (so
every environment copied from os.environ has it; a test that builds one
from scratch adds it) and removed at the end: tests never write to the
user's ~/.cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cprograms import BUILD_DIR, KERNEL, REPO, build_all_programs
from goprograms import GO_BUILD_DIR, build_go_programs

CACHE_VAR = "XDG_CACHE_HOME"


def pytest_configure(config: pytest.Config) -> None:
    """Give the session a cache folder of its own (see the module's docstring)."""
    config.stash[_cache_key] = os.environ.get(CACHE_VAR)
    os.environ[CACHE_VAR] = tempfile.mkdtemp(prefix="pkgload-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's cache folder and give XDG_CACHE_HOME back its value."""
    shutil.rmtree(os.environ[CACHE_VAR], ignore_errors=True)
    old = config.stash.get(_cache_key, None)
    if old is None:
        os.environ.pop(CACHE_VAR, None)
    else:
        os.environ[CACHE_VAR] = old


_cache_key = pytest.StashKey[str | None]()


@pytest.fixture(scope="session")
def programs() -> Path:
    """Build all test programs (all flavours); return the build folder."""
    errors = build_all_programs()
    if errors:
        pytest.fail("building the test programs failed:\n" + "\n".join(errors), pytrace=False)
    return BUILD_DIR


@pytest.fixture(scope="session")
def go_programs() -> Path:
    """Build the Go test programs of tests/go/; return their build folder."""
    errors = build_go_programs()
    if errors:
        pytest.fail("building the Go test programs failed:\n" + "\n".join(errors), pytrace=False)
    return GO_BUILD_DIR


@pytest.fixture(scope="session")
def kernel() -> Path:
    """Return build/kernel/pkgload.elf, building it with `make -j2` when it is missing.

    An existing kernel is used as it is: keeping it up to date is `make`'s job
    (tools/setup and .ci/run run it), and a second make racing a developer's
    own would write the same objects twice.
    """
    if KERNEL.exists():
        return KERNEL
    proc = subprocess.run(["make", "-j2"], cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0 or not KERNEL.exists():
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        pytest.fail(f"`make -j2` in {REPO} did not produce {KERNEL}:\n{tail}", pytrace=False)
    return KERNEL


@pytest.fixture(scope="session")
def pkgload(kernel: Path) -> Path:
    """Return the `pkgload` console script installed next to this Python."""
    script = Path(sys.executable).parent / "pkgload"
    if not script.exists():
        pytest.fail(
            f"{script} not found: install the package into this environment "
            "(tools/setup, or `pip install -e .`)",
            pytrace=False,
        )
    return script
