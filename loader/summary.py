"""The kernel's exit summary (syscalls/summary.c): the syscalls a run made, and the
missing and stubbed ones it hit, parsed from the `syscalls: made|missing|stubbed
NAME=COUNT ...` lines the kernel logs before its exit record. `pkgload run`
names the missing ones at exit; runs saved here feed `pkgload coverage`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LINE = re.compile(rb"^syscalls: (made|missing|stubbed)((?: [\w?]+=\d+)+)\s*$", re.M)
SUMMARY_FORMAT = "pkgload-syscalls-1"  # bump when the saved JSON changes shape


@dataclass
class SyscallSummary:
    """Counts by syscall name: every call made, and the missing and stubbed ones among them."""

    made: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    stubbed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the summary as a JSON-serialisable dict."""
        return {"made": self.made, "missing": self.missing, "stubbed": self.stubbed}


def parse_summary(log: bytes) -> SyscallSummary | None:
    """Return the summary in a kernel log, or None when the log has none (an old kernel, a panic)."""
    found = False
    s = SyscallSummary()
    for m in _LINE.finditer(log):
        found = True
        group: dict[str, int] = getattr(s, m.group(1).decode())
        for pair in m.group(2).split():
            name, _, count = pair.decode().partition("=")
            group[name] = group.get(name, 0) + int(count)
    return s if found else None


def get_missing_message(s: SyscallSummary) -> str | None:
    """Return the one line `pkgload run` prints when the program hit missing syscalls, or None.

    It names the stub sets of stubs/ that cover every one of them, if any.
    """
    if not s.missing:
        return None
    from loader.stubs import get_covering_sets

    names = sorted(s.missing, key=lambda n: (-s.missing[n], n))
    sets = get_covering_sets(names)
    hint = (f"--stubs {' or --stubs '.join(sets)} would stand in for "
            f"{'it' if len(names) == 1 else 'them'}" if sets else "pkgload stubs can suggest stubs")
    return f"pkgload: the program called {', '.join(names)} (not implemented); {hint}"


def save_run(folder: Path, program: str, argv: list[str], s: SyscallSummary) -> Path:
    """Write one run's summary as JSON in folder (for `pkgload coverage`); return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]", "_", Path(program).name) or "program"
    path = folder / f"{name}.json"
    doc = {"format": SUMMARY_FORMAT, "program": program, "argv": argv, **s.to_json()}
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return path


def load_runs(folder: Path) -> list[dict[str, Any]]:
    """Return the saved runs in folder (sorted by program), skipping files of another format."""
    runs = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("format") == SUMMARY_FORMAT:
            runs.append(doc)
    return runs
