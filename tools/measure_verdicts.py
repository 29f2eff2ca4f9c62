#!/usr/bin/env python3
"""Measure `pkgload analyze`'s verdict against what `pkgload run` then does.

Usage: tools/measure_verdicts.py [--markdown]   (run from the repository, with .venv's python)

For each case (a Debian program and arguments, with stdin): the program runs
natively (the guest's environment, cwd /) and under `pkgload run -q --record`
(the exit summary names the missing syscalls it hit); `pkgload analyze --json`
gives the verdict. A verdict is right when:
  runs / runs with stubs   the run printed what the native run printed, with its status;
  may fail: X              the run matched the native run, or it did not and every
                           missing syscall it hit is among X;
  will fail at start-up    the run did not match.
Whatever the verdict, a run that hit a missing syscall the verdict neither
names nor falls back from (syscalls/fallbacks.tsv) makes it wrong. The strict
reading, "runs" exactly when the run matched, is printed too.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PKGLOAD = [sys.executable, "-m", "loader"]
TEXT = b"banana apple\ncherry apple\nbanana date\n"
JSON = b'{"a": [1, 2], "b": "x"}\n'
CASES: list[tuple[str, list[str], bytes]] = [
    ("python3 print", ["/usr/bin/python3", "-c", "print(sum(range(10)))"], b""),
    ("python3 json", ["/usr/bin/python3", "-c", "import json,sys; print(json.load(sys.stdin)['a'])"], JSON),
    ("python3 socket", ["/usr/bin/python3", "-c", "import socket; socket.socket(); print('ok')"], b""),
    ("python3 pidfd", ["/usr/bin/python3", "-c", "import os; os.pidfd_open(os.getpid()); print('ok')"], b""),
    ("sqlite3", ["/usr/bin/sqlite3", ":memory:", "select 6*7;"], b""),
    ("lua5.4", ["/usr/bin/lua5.4", "-e", "print(2^10)"], b""),
    ("busybox echo", ["/bin/busybox", "echo", "hi"], b""),
    ("busybox sh", ["/bin/busybox", "sh", "-c", "echo $((6*7))"], b""),
    ("dash", ["/usr/bin/dash", "-c", "echo $((6*7))"], b""),
    ("bash", ["/usr/bin/bash", "-c", "echo $((6*7))"], b""),
    ("ls", ["/usr/bin/ls", "-d", "/"], b""),
    ("cat", ["/usr/bin/cat"], TEXT),
    ("sort", ["/usr/bin/sort"], TEXT),
    ("wc", ["/usr/bin/wc"], TEXT),
    ("tr", ["/usr/bin/tr", "a-z", "A-Z"], TEXT),
    ("sha256sum", ["/usr/bin/sha256sum"], TEXT),
    ("sed", ["/usr/bin/sed", "s/apple/pear/"], TEXT),
    ("grep", ["/usr/bin/grep", "-c", "banana"], TEXT),
    ("mawk", ["/usr/bin/mawk", "{print $2}"], TEXT),
    ("gzip", ["/usr/bin/gzip", "-cn"], TEXT),
    ("pigz", ["/usr/bin/pigz", "-cn"], TEXT),
    ("bzip2", ["/usr/bin/bzip2", "-c"], TEXT),
    ("xz", ["/usr/bin/xz", "-c"], TEXT),
    ("zstd", ["/usr/bin/zstd", "-cq"], TEXT),
    ("perl", ["/usr/bin/perl", "-e", "print 6*7, qq(\\n)"], b""),
    ("jq", ["/usr/bin/jq", "-c", ".a"], JSON),
    ("openssl", ["/usr/bin/openssl", "dgst", "-sha256"], TEXT),
    ("make", ["/usr/bin/make", "--version"], b""),
    ("tar", ["/usr/bin/tar", "--version"], b""),
    ("git", ["/usr/bin/git", "--version"], b""),
    ("curl", ["/usr/bin/curl", "--version"], b""),
    ("date", ["/usr/bin/date", "-u", "-d", "@0"], b""),
    ("diff", ["/usr/bin/diff", "--version"], b""),
    ("find", ["/usr/bin/find", "/", "-maxdepth", "0"], b""),
    ("cp", ["/usr/bin/cp", "--version"], b""),
]


@dataclass
class Row:
    name: str
    verdict: str
    kind: str  # runs, may, start
    native: tuple[int, bytes]
    guest: tuple[int, bytes]
    missing_hit: list[str]

    @property
    def matched(self) -> bool:
        return self.native == self.guest

    def is_right(self) -> bool:
        named = _named(self.verdict)
        unnamed = [m for m in self.missing_hit if m not in named and m not in _fallen_back(self.verdict)]
        if unnamed:
            return False
        if self.kind == "start":
            return not self.matched
        if self.kind == "may":
            return self.matched or all(m in named for m in self.missing_hit) and bool(self.missing_hit)
        return self.matched


def _named(verdict: str) -> set[str]:
    """Return the syscalls a may-fail or start-up verdict names."""
    head = verdict.split("; --stubs", 1)[0]
    head = head.split(": ", 1)[1] if ": " in head else ""
    names, depth, word = set(), 0, ""
    for ch in head:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch not in "(), ":
            word += ch
        elif word:
            names.add(word)
            word = ""
    return names | ({word} if word else set())


def _fallen_back(verdict: str) -> set[str]:
    marker = "(falls back from: "
    if marker not in verdict:
        return set()
    return set(verdict.split(marker, 1)[1].rstrip(")").split(", "))


def _guest_env() -> dict[str, str]:
    sys.path.insert(0, str(REPO))
    from loader.manifest import make_env

    return dict(e.split("=", 1) for e in make_env([]))


def measure(name: str, argv: list[str], stdin: bytes) -> Row:
    nat = subprocess.run(argv, input=stdin, capture_output=True, env=_guest_env(), cwd="/", timeout=120)
    with tempfile.TemporaryDirectory() as tmp:
        g = subprocess.run([*PKGLOAD, "run", "-q", "--record", tmp, "--log", f"{tmp}/k.log", *argv],
                           input=stdin, capture_output=True, cwd="/", timeout=300)
        recs = list(Path(tmp).glob("*.json"))
        missing = sorted(json.loads(recs[0].read_text())["missing"]) if recs else ["(no summary)"]
    a = subprocess.run([*PKGLOAD, "analyze", "--json", argv[0]], capture_output=True, timeout=300, cwd=REPO)
    verdict = json.loads(a.stdout)["verdict"] if a.returncode == 0 else f"(analyze failed: {a.stderr!r})"
    kind = ("start" if verdict.startswith("will fail") else "may" if verdict.startswith("may fail")
            else "runs")
    return Row(name, verdict, kind, (nat.returncode, nat.stdout), (g.returncode, g.stdout), missing)


def _short(verdict: str, width: int = 110) -> str:
    return verdict if len(verdict) <= width else verdict[:width - 3] + "..."


def main() -> None:
    os.chdir(REPO)
    rows = []
    for name, argv, stdin in CASES:
        r = measure(name, argv, stdin)
        rows.append(r)
        print(f"{name}: {'right' if r.is_right() else 'WRONG'}: {r.verdict[:100]} | run "
              f"{'matched' if r.matched else 'differed'} {r.guest[0]} vs {r.native[0]}, "
              f"missing hit: {', '.join(r.missing_hit) or '-'}", file=sys.stderr)
    right = sum(r.is_right() for r in rows)
    print("| program | verdict | run vs native | missing syscalls hit | right |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        run = "same" if r.matched else f"differs (status {r.guest[0]}, native {r.native[0]})"
        print(f"| {r.name} | {_short(r.verdict).replace('|', '/')} | {run} | "
              f"{', '.join(r.missing_hit) or '-'} | {'yes' if r.is_right() else '**no**'} |")
    strict = sum((r.kind == "runs") == r.matched for r in rows)
    cautious = sum(r.kind == "may" and r.matched for r in rows)
    print(f"\n{right} of {len(rows)} verdicts right ({100 * right / len(rows):.0f}%). Read strictly, "
          f"\"runs\" exactly when the run matched: {strict} of {len(rows)} "
          f"({100 * strict / len(rows):.0f}%); {cautious} \"may fail\" verdicts were for runs that "
          "matched (the program can reach the named calls, this run did not).")


if __name__ == "__main__":
    main()
