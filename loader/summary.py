"""The kernel's exit summary (syscalls/summary.c): the syscalls a run made, and the
missing and stubbed ones it hit, parsed from the `syscalls: made|missing|stubbed
NAME=COUNT ...` lines the kernel logs before its exit record. `pkgload run`
names the missing ones at exit; runs saved here feed `pkgload coverage`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loader.cache import atomic_output

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
    """Add one run's counts to folder/PROGRAM.json (for `pkgload coverage`); return its path.

    Runs of the same program (by its absolute path) add up, so a recorded
    test suite shows every syscall each program made in any of its runs;
    `runs` counts them and argv is the last run's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    program = os.path.abspath(program) if os.sep in program else program
    name = re.sub(r"[^\w.-]", "_", Path(program).name) or "program"
    path = folder / f"{name}.json"
    if path.exists() and _load(path).get("program") not in (None, program):
        digest = hashlib.sha256(program.encode()).hexdigest()[:8]
        path = folder / f"{name}-{digest}.json"
    old = _load(path) if path.exists() else {}
    doc = {"format": SUMMARY_FORMAT, "program": program, "argv": argv, "runs": old.get("runs", 0) + 1}
    for group, counts in s.to_json().items():
        total = dict(old.get(group, {}))
        for call, n in counts.items():
            total[call] = total.get(call, 0) + n
        doc[group] = total
    with atomic_output(path) as f:
        f.write((json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
    return path


def _load(path: Path) -> dict[str, Any]:
    """Return a saved run's document, or {} when it is not one."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) and doc.get("format") == SUMMARY_FORMAT else {}


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
