"""The CPU capabilities ld.so searches for, as `ld.so --help` states them.

glibc-hwcaps subdirectories (x86-64-v2, v3, v4) and the legacy HWCAP
subdirectories (tls, the platform, x86_64) are tried before each library
folder, and the platform is what `$PLATFORM` expands to (see loader/deps/search.py).
What counts is the CPU the guest's ld.so sees, which depends on the
accelerator (loader/vm.py): under KVM (`-cpu host`, or `max` with the
host's features) it is the host's CPU, so the host's own interpreter tells
us (that runs ld.so, never the program); under TCG it is QEMU's `-cpu max`,
whatever the host runs on, as measured in the guest (TCG_MAX_LD_SO_HELP).
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass

HOST_INTERP = "/lib64/ld-linux-x86-64.so.2"

# The hwcaps sections of `ld.so --help` (glibc 2.36) run in the guest under
# QEMU 7.2's TCG `-cpu max`; tests/test_guest_hwcaps.py checks them against
# the guest's ld.so. That CPU says AuthenticAMD, and glibc names a platform
# (haswell, xeon_phi) and avx512_1 only on Intel CPUs, so the platform stays
# the kernel's AT_PLATFORM, x86_64; TCG has AVX2 but no AVX-512: x86-64-v3.
TCG_MAX_LD_SO_HELP = """\
Subdirectories of glibc-hwcaps directories, in priority order:
  x86-64-v4
  x86-64-v3 (supported, searched)
  x86-64-v2 (supported, searched)

Legacy HWCAP subdirectories under library search path directories:
  x86_64 (AT_PLATFORM; supported, searched)
  tls (supported, searched)
  avx512_1
  x86_64 (supported, searched)
"""


@dataclass(frozen=True)
class HwCaps:
    """What the host's ld.so searches: glibc-hwcaps and legacy subdirectories."""

    glibc_hwcaps: tuple[str, ...]  # supported and searched, best first
    legacy_subdirs: tuple[str, ...]  # e.g. tls/x86_64/x86_64, ..., x86_64
    platform: str | None  # as ld.so names it (AT_PLATFORM, or haswell from CPUID): $PLATFORM
    legacy_hwcaps: tuple[str, ...]  # legacy hwcap names supported (x86_64, avx512_1)


def get_guest_hwcaps(accel: str) -> HwCaps:
    """Return the hwcaps the guest's ld.so searches when booted with accel ("tcg" or "kvm")."""
    if accel == "tcg":
        return parse_ld_so_help(TCG_MAX_LD_SO_HELP)
    return get_host_hwcaps()


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
    x86_64 for platform x86_64 and hwcap x86_64 (checked against
    LD_DEBUG=libs). Several legacy hwcaps come in the order `ld.so --help`
    lists them: tls/haswell/avx512_1/x86_64 first on an AVX-512 Intel CPU.
    """
    parts = (["tls"] if tls else []) + ([platform] if platform else []) + hwcap_names
    n = len(parts)
    out = []
    for mask in range((1 << n) - 1, 0, -1):
        out.append("/".join(p for i, p in enumerate(parts) if mask & (1 << (n - 1 - i))))
    return tuple(out)
