#!/usr/bin/env python3
"""Check that the second kernel link left every function where the first put it.

Usage: check_ksyms.py PASS1.ELF FINAL.ELF. The symbol table embedded in the
final kernel was made from PASS1's addresses; if they moved, backtraces would
name the wrong functions, so the build fails instead.
"""
import subprocess
import sys


def text_symbols(path: str) -> set[tuple[str, str]]:
    """Return (address, name) for the text symbols of the ELF at PATH."""
    out = subprocess.run(["nm", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    return {(p[0], p[2]) for p in (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "tT"}


def main() -> int:
    first, final = text_symbols(sys.argv[1]), text_symbols(sys.argv[2])
    if first != final:
        moved = sorted(first ^ final)[:5]
        print(f"{sys.argv[2]}: functions moved between links: {moved}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
