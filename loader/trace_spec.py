"""Which syscall arguments `--trace` captures, derived from syscalls/table.tsv's
signatures: the one rule both the kernel's table (tools/gen_syscalls.py emits a
spec string per syscall) and the host's decoder (loader/trace.py) read, so
they cannot disagree. Standard library only.

A spec has one letter per argument:
  x  a plain value (the register is enough)
  s  a NUL-terminated input string (a path, a name): copied before the call
  w  an input buffer whose length is the next argument (write's buf)
  r  an output buffer whose length is the result (read's buf): copied after
  v  a NULL-terminated array of strings (execve's argv)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAM = re.compile(r"^(?P<type>.*?)\s*(?P<name>\w+)$")
_BUFFER_NAMES = ("buf", "value")  # a byte buffer, not a NUL-terminated string
_SIZE_TYPES = ("size_t", "int", "unsigned int", "unsigned long", "uint32_t")


@dataclass(frozen=True)
class Param:
    """One parameter of a handler's signature: its C type (spaces normalised) and name."""

    type: str
    name: str


def parse_params(args: str) -> list[Param]:
    """Return the parameters of a table.tsv args column ("-" and "void" have none)."""
    if args.strip() in ("-", "void", ""):
        return []
    params = []
    for text in args.split(","):
        text = " ".join(text.split())
        m = _PARAM.match(text)
        if not m:
            raise ValueError(f"{args!r}: cannot read the parameter {text!r}")
        params.append(Param(m.group("type").replace("* ", "*"), m.group("name")))
    return params


def _letter(p: Param, following: Param | None) -> str:
    """Return the capture letter of parameter p (next to it: following, or None)."""
    t = p.type.replace(" ", "")
    sized = following is not None and following.type in _SIZE_TYPES
    if t.endswith("__user*const__user*"):
        return "v" if p.name == "argv" else "x"  # envp: strace too shows only its address
    if t in ("constchar__user*", "constvoid__user*") and p.name in _BUFFER_NAMES and sized:
        return "w"
    if t == "constchar__user*" and p.name not in _BUFFER_NAMES:
        return "s"
    if t in ("char__user*", "void__user*") and p.name in _BUFFER_NAMES and sized:
        return "r"
    return "x"


def get_spec(args: str) -> str:
    """Return the capture spec of a signature: one letter per parameter ("" for a missing row)."""
    params = parse_params(args)
    return "".join(_letter(p, params[i + 1] if i + 1 < len(params) else None)
                   for i, p in enumerate(params))
