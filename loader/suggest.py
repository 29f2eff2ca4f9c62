"""`pkgload stubs PROGRAM [ARGS]`: find stub rules that make a program's run under
pkgload match its native run (stdout and exit status).

The program runs natively (with the environment the guest gets), then under
`pkgload run --record`; for each missing syscall the run hit, the
alternatives of CANDIDATES (fake success, then errnos) are tried, one
syscall at a time on top of what was chosen before, until the run matches.
The result is a set that `pkgload run --stubs FILE` accepts (set_to_toml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loader.errors import PkgloadError
from loader.manifest import make_env

CANDIDATES = ("0", "-ENOSYS", "-EPERM", "-EOPNOTSUPP", "-EINVAL")  # fake first, then stubs
MAX_TRIES = 40  # pkgload runs at most, after the first


class SuggestError(PkgloadError):
    """The program could not be run to compare (not found, timed out)."""


@dataclass(frozen=True)
class Outcome:
    """What a run left that the comparison looks at, and the syscalls it hit."""

    status: int
    stdout: bytes
    missing: tuple[str, ...] = ()

    def matches(self, other: Outcome) -> bool:
        """Say whether stdout and exit status are the same."""
        return (self.status, self.stdout) == (other.status, other.stdout)


@dataclass
class Suggestion:
    """The native outcome, each try (rules -> matched), and the rules that made the run match."""

    native: Outcome
    first: Outcome
    tries: list[tuple[dict[str, str], bool]] = field(default_factory=list)
    rules: dict[str, str] | None = None  # None: no combination matched

    @property
    def needed(self) -> bool:
        """Say whether the run without stubs differs from the native run."""
        return not self.first.matches(self.native)


def run_native(argv: Sequence[str], timeout: float) -> Outcome:
    """Run argv natively with the guest's environment."""
    env = dict(e.split("=", 1) for e in make_env([]))
    try:
        p = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, env=env,
                           timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SuggestError(f"{argv[0]}: cannot run it natively: {e}") from e
    return Outcome(p.returncode, p.stdout)


def run_guest(argv: Sequence[str], rules: dict[str, str], timeout: float) -> Outcome:
    """Run argv under `pkgload run` with rules as --stub options; return its outcome and missing calls."""
    with tempfile.TemporaryDirectory(prefix="pkgload-stubs-") as tmp:
        stubs = [a for name, value in rules.items() for a in ("--stub", f"{name}={value}")]
        cmd = [sys.executable, "-m", "loader", "run", "-q", "--record", tmp,
               "--log", os.path.join(tmp, "kernel.log"), *stubs, "--", *argv]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise SuggestError(f"{argv[0]}: pkgload run did not finish in {timeout:g} s") from e
        records = list(Path(tmp).glob("*.json"))
        missing = json.loads(records[0].read_text())["missing"] if records else {}
    return Outcome(p.returncode, p.stdout, tuple(sorted(missing)))


def suggest(argv: Sequence[str], timeout: float = 60,
            on_try: Callable[[dict[str, str], bool], None] | None = None) -> Suggestion:
    """Return the stub rules that make argv's run under pkgload match its native run.

    Missing syscalls are taken one at a time, in the order the summary names
    them (and any that appear once others are stubbed); each keeps the
    first candidate that matches, or else the first that changes what
    the run made. Raises SuggestError when a run cannot be made.
    """
    native = run_native(argv, timeout)
    first = run_guest(argv, {}, timeout)
    s = Suggestion(native, first)
    if not s.needed:
        s.rules = {}
        return s
    chosen: dict[str, str] = {}
    todo = list(first.missing)
    while todo and len(s.tries) < MAX_TRIES:
        name = todo.pop(0)
        for value in CANDIDATES:
            rules = {**chosen, name: value}
            got = run_guest(argv, rules, timeout)
            ok = got.matches(native)
            s.tries.append((rules, ok))
            if on_try:
                on_try(rules, ok)
            if ok:
                s.rules = rules
                return s
            if value == CANDIDATES[0]:
                todo += [m for m in got.missing if m not in chosen and m not in todo and m != name]
        chosen[name] = CANDIDATES[0]
    return s


def set_to_toml(rules: dict[str, str], argv: Sequence[str]) -> str:
    """Return rules as a stub set file (stubs/README.md)."""
    lines = [f"# Suggested by `pkgload stubs {' '.join(argv)}`: with these rules the run under",
             "# pkgload printed what the native run printed and exited with its status.",
             f'description = "stubs for {Path(argv[0]).name}"', "", "[syscalls]"]
    lines += [f'{name} = {value if value.lstrip("-").isdigit() else json.dumps(value)}'
              for name, value in rules.items()]
    return "\n".join(lines) + "\n"
