"""Helpers for the host tests: compile small C programs, patch ELF header bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

HELLO_C = b'#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'


def compile_c(out: Path, *flags: str, source: bytes = HELLO_C) -> Path:
    """Compile source with gcc and flags into out; fail the test loudly if gcc fails."""
    src = out.with_suffix(".c")
    src.write_bytes(source)
    proc = subprocess.run(["gcc", *flags, "-o", str(out), str(src)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"gcc {' '.join(flags)} failed:\n{proc.stderr}", pytrace=False)
    return out


def patched_copy(src: Path, dst: Path, offset: int, data: bytes) -> Path:
    """Copy src to dst and overwrite bytes at offset (ELF header fields)."""
    raw = bytearray(src.read_bytes())
    raw[offset : offset + len(data)] = data
    dst.write_bytes(bytes(raw))
    dst.chmod(0o755)
    return dst
