"""The CPU the guest's ld.so sees under TCG, against what loader/hwcaps.py says it is.

Which library variant ld.so takes depends on the CPU: its glibc-hwcaps
levels, its legacy hwcap subfolders and what `$PLATFORM` expands to. Under
TCG that is QEMU's `-cpu max`, not the host's CPU, so the host's ldd is no
reference: the guest's own ld.so is (LD_DEBUG=libs in the guest), and so is
a run where every variant is shipped and the guest's ld.so picks.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from loader.hwcaps import get_guest_hwcaps

PLATFORMS = ("x86_64", "haswell", "xeon_phi")  # every $PLATFORM glibc 2.36 names on x86-64


@pytest.fixture(scope="module")
def platform_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a program whose RUNPATH is $ORIGIN/$PLATFORM, with a libplat.so in each platform's folder."""
    root = tmp_path_factory.mktemp("platform")
    for plat in PLATFORMS:
        (root / plat).mkdir()
        (root / f"{plat}.c").write_text(f'const char *plat(void) {{ return "{plat}"; }}\n')
        subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libplat.so", "-o",
                        str(root / plat / "libplat.so"), str(root / f"{plat}.c")], check=True)
    (root / "main.c").write_text('#include <stdio.h>\nconst char *plat(void);\n'
                                 'int main(void) { printf("%s\\n", plat()); return 0; }\n')
    subprocess.run(["gcc", "-o", str(root / "prog"), str(root / "main.c"), f"-L{root / 'x86_64'}",
                    "-lplat", "-Wl,-rpath,$ORIGIN/$PLATFORM"], check=True)
    return root / "prog"


def run_tcg(pkgload: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run `pkgload run --accel tcg ARGS` with its own cache."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run([str(pkgload), "run", "--accel", "tcg", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=120, env=env)


def test_guest_search_list_is_the_tcg_hwcaps(platform_program: Path, pkgload: Path,
                                             tmp_path: Path) -> None:
    run = run_tcg(pkgload, tmp_path, "-e", "LD_DEBUG=libs", str(platform_program))
    assert run.returncode == 0, run.stderr
    m = re.search(rb"search path=(\S+)\s+\(RUNPATH from file", run.stderr)
    assert m is not None, run.stderr
    caps = get_guest_hwcaps("tcg")
    folder = f"{platform_program.parent}/{caps.platform}"
    subs = [f"glibc-hwcaps/{h}" for h in caps.glibc_hwcaps] + list(caps.legacy_subdirs)
    assert m.group(1).decode().split(":") == [f"{folder}/{s}" for s in subs] + [folder]


def test_the_image_ships_the_variant_the_guest_takes(platform_program: Path, pkgload: Path,
                                                     tmp_path: Path) -> None:
    packaged = run_tcg(pkgload, tmp_path, str(platform_program))
    everything = run_tcg(pkgload, tmp_path, "--dir", str(platform_program.parent), str(platform_program))
    assert (everything.returncode, everything.stderr) == (0, b"")
    assert everything.stdout.decode().strip() in PLATFORMS
    assert (packaged.returncode, packaged.stdout, packaged.stderr) == (0, everything.stdout, b"")
