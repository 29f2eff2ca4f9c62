"""The CPU capabilities the host's ld.so searches for, read from `ld.so --help`.

glibc-hwcaps subdirectories (x86-64-v2, v3, v4) and the legacy HWCAP
subdirectories (tls, the platform, x86_64) are tried before each library
folder (see loader/deps.py). The guest runs on the host's CPU, so the host's
interpreter tells us which it takes; that runs ld.so, never the program.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass

HOST_INTERP = "/lib64/ld-linux-x86-64.so.2"


@dataclass(frozen=True)
class HwCaps:
    """What the host's ld.so searches: glibc-hwcaps and legacy subdirectories."""

    glibc_hwcaps: tuple[str, ...]  # supported and searched, best first
    legacy_subdirs: tuple[str, ...]  # e.g. tls/x86_64/x86_64, ..., x86_64
    platform: str | None  # AT_PLATFORM as ld.so names it (x86_64, haswell)
    legacy_hwcaps: tuple[str, ...]  # legacy hwcap names supported (x86_64, avx512_1)


@functools.cache
def get_host_hwcaps(interp: str = HOST_INTERP) -> HwCaps:
    """Return the hwcaps the host's ld.so searches (runs `interp --help` once)."""
    try:
        out = subprocess.run(
            [interp, "--help"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        out = ""
    return parse_ld_so_help(out)


def parse_ld_so_help(text: str) -> HwCaps:
    """Parse the hwcaps sections of glibc 2.33-2.36's `ld.so --help` output."""
    section = ""
    hwcaps: list[str] = []
    platform: str | None = None
    tls = False
    legacy: list[str] = []
    for line in text.splitlines():
        if not line.startswith("  "):
            section = line
            continue
        name, _, note = line.strip().partition(" ")
        searched = "searched" in note
        if section.startswith("Subdirectories of glibc-hwcaps") and searched:
            hwcaps.append(name)
        elif section.startswith("Legacy HWCAP") and searched:
            if "AT_PLATFORM" in note:
                platform = name
            elif name == "tls":
                tls = True
            else:
                legacy.append(name)
    return HwCaps(tuple(hwcaps), _legacy_subdirs(tls, platform, legacy), platform, tuple(legacy))


def _legacy_subdirs(tls: bool, platform: str | None, hwcap_names: list[str]) -> tuple[str, ...]:
    """Return the legacy subdirectories in ld.so's order (most specific first).

    ld.so tries every non-empty combination of (tls, platform, hwcaps...),
    ordered like binary numbers counting down with tls as the high bit:
    tls/x86_64/x86_64, tls/x86_64, tls/x86_64, tls, x86_64/x86_64, x86_64,
    x86_64 for this CPU (checked against LD_DEBUG=libs). With more than one
    legacy hwcap the order among them is glibc's bit order reversed.
    """
    parts = (["tls"] if tls else []) + ([platform] if platform else []) + hwcap_names[::-1]
    n = len(parts)
    out = []
    for mask in range((1 << n) - 1, 0, -1):
        out.append("/".join(p for i, p in enumerate(parts) if mask & (1 << (n - 1 - i))))
    return tuple(out)
