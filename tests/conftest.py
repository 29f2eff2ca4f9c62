"""Shared fixtures: the kernel, the `pkgload` command, and the C test programs.

Nothing here skips: a missing compiler, kernel or console script fails the
tests that need it, loudly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cprograms import BUILD_DIR, KERNEL, REPO, build_all_programs


@pytest.fixture(scope="session")
def programs() -> Path:
    """Build all test programs (all flavours); return the build folder."""
    errors = build_all_programs()
    if errors:
        pytest.fail("building the test programs failed:\n" + "\n".join(errors), pytrace=False)
    return BUILD_DIR


@pytest.fixture(scope="session")
def kernel() -> Path:
    """Bring build/kernel/pkgload.elf up to date with `make -j2`; return its path."""
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
