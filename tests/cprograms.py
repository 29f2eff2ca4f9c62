"""The C test programs of tests/programs/ and how they are built.

Each program is compiled four ways (glibc dynamic PIE as Debian's gcc makes
it by default, glibc static, glibc static-pie, musl static) into
build/tests/<flavour>/<name>, rebuilt only when its source is newer than the
binary or the flavour's flags changed. A program may include the shared
headers of tests/programs/ (*.h); a newer header rebuilds every program.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROGRAMS_DIR = REPO / "tests" / "programs"
BUILD_DIR = REPO / "build" / "tests"
KERNEL = REPO / "build" / "kernel" / "pkgload.elf"


@dataclass(frozen=True)
class Flavour:
    """One way of building a test program."""

    name: str
    compiler: tuple[str, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """Return the full compiler command line prefix (compiler and flags)."""
        return (*self.compiler, "-O1", "-Wall", "-Wextra", "-Werror")


FLAVOURS = (
    Flavour("glibc-dynamic", ("gcc",)),
    Flavour("glibc-static", ("gcc", "-static")),
    Flavour("glibc-static-pie", ("gcc", "-static-pie", "-fPIE")),
    Flavour("musl-static", ("musl-gcc", "-static")),
)
FLAVOUR_NAMES = tuple(f.name for f in FLAVOURS)


def iter_program_sources() -> list[Path]:
    """Return every tests/programs/*.c, sorted by name."""
    return sorted(PROGRAMS_DIR.glob("*.c"))


def get_binary_path(program: str, flavour: str) -> Path:
    """Return where `program` built as `flavour` lives (built or not)."""
    return BUILD_DIR / flavour / program


def _is_fresh(source: Path, binary: Path, flags_file: Path) -> bool:
    """Say whether BINARY is newer than its source, the flags and every shared header."""
    if not binary.exists() or not flags_file.exists():
        return False
    headers = [h.stat().st_mtime for h in PROGRAMS_DIR.glob("*.h")]
    newest_input = max(source.stat().st_mtime, flags_file.stat().st_mtime, *headers)
    return binary.stat().st_mtime >= newest_input


def _compile(flavour: Flavour, source: Path) -> str | None:
    """Compile one program; return None on success, else the compiler's complaint."""
    out_dir = BUILD_DIR / flavour.name
    binary = out_dir / source.stem
    if _is_fresh(source, binary, out_dir / ".flags"):
        return None
    tmp = binary.with_name(f".{binary.name}.tmp")
    cmd = [*flavour.flags, "-o", str(tmp), str(source)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        return f"{cmd[0]}: not installed (tools/setup installs it)"
    if proc.returncode != 0:
        return f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    os.replace(tmp, binary)
    return None


def _prepare_flavour_dir(flavour: Flavour) -> None:
    """Create the output folder; a change of flags invalidates what is in it."""
    out_dir = BUILD_DIR / flavour.name
    out_dir.mkdir(parents=True, exist_ok=True)
    flags_file = out_dir / ".flags"
    wanted = " ".join(flavour.flags) + "\n"
    if not flags_file.exists() or flags_file.read_text() != wanted:
        flags_file.write_text(wanted)


def build_all_programs() -> list[str]:
    """Build every program in every flavour; return the errors (empty when all built)."""
    for flavour in FLAVOURS:
        _prepare_flavour_dir(flavour)
    jobs = [(f, s) for f in FLAVOURS for s in iter_program_sources()]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda job: _compile(*job), jobs)
    return [r for r in results if r is not None]
