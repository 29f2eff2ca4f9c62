"""Compatibility stubs as data (stubs/README.md): named sets in stubs/*.toml and
`--stub NAME=VALUE` rules, checked against syscalls/table.tsv and the errno
names, then encoded for the boot manifest, from which the kernel applies
them before dispatch (syscalls/stubs.c). Nothing here runs a program.
"""

from __future__ import annotations

import errno
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from loader.errors import PkgloadError
from loader.syscall_table import REPO, get_by_name

STUBS_DIR = REPO / "stubs"
VALUE_FORMS = "a number, -ERRNO (an errno name such as -EPERM), zero, or same:N"
# Where `zero` writes: the argument that points at the syscall's output and the output's
# size on x86-64 (the structs of the man pages). Syscalls not here take a number instead.
ZERO_OUTPUTS: dict[str, tuple[int, int]] = {
    "uname": (0, 390), "sysinfo": (0, 112), "times": (0, 32), "gettimeofday": (0, 16),
    "getrusage": (1, 144), "getrlimit": (1, 16), "getitimer": (1, 32), "statfs": (1, 120),
    "fstatfs": (1, 120), "clock_gettime": (1, 16), "clock_getres": (1, 16),
    "sched_getparam": (1, 4), "capget": (1, 24), "getcpu": (0, 4), "get_mempolicy": (0, 4), "stat": (1, 144),
    "fstat": (1, 144), "lstat": (1, 144), "newfstatat": (2, 144), "statx": (4, 256),
}
_INT = re.compile(r"^-?\d+$")


class StubError(PkgloadError):
    """A stub set or rule pkgload cannot apply: one line naming each bad rule."""


@dataclass(frozen=True)
class StubRule:
    """One syscall's replacement result, as the kernel applies it."""

    name: str
    nr: int
    kind: str  # "c" return value; "s" 0 when arg 0 == value, else -EPERM; "z" zero an output
    value: int = 0
    arg: int = 0  # "z": the argument pointing at the output
    size: int = 0  # "z": the output's size

    def encode(self) -> str:
        """Return the rule as the manifest carries it (docs/boot-protocol.md)."""
        if self.kind == "z":
            return f"{self.nr}:z:{self.arg}:{self.size}"
        return f"{self.nr}:{self.kind}:{self.value}"


def parse_rule(name: str, value: object) -> StubRule:
    """Return the rule NAME=VALUE; raise StubError saying what is wrong with it.

    VALUE is an int, or a string: a number, -ERRNO or ERRNO by name, zero,
    or same:N.
    """
    row = get_by_name().get(name)
    if row is None:
        raise StubError(f"stub {name}={value}: {name} is not a syscall of x86-64 Linux")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise StubError(f"stub {name}={value!r}: expected {VALUE_FORMS}")
    text = str(value).strip()
    if _INT.match(text):
        return StubRule(name, row.nr, "c", int(text))
    if text == "zero":
        if name not in ZERO_OUTPUTS:
            raise StubError(f"stub {name}=zero: pkgload does not know where {name} writes its "
                            "output; give a number such as 0")
        arg, size = ZERO_OUTPUTS[name]
        return StubRule(name, row.nr, "z", arg=arg, size=size)
    if text.startswith("same:") and _INT.match(text[5:]):
        return StubRule(name, row.nr, "s", int(text[5:]))
    code = getattr(errno, text.lstrip("-"), None) if text.lstrip("-").startswith("E") else None
    if isinstance(code, int):
        return StubRule(name, row.nr, "c", -code)
    if text.lstrip("-").startswith("E") and text.lstrip("-").isupper():
        raise StubError(f"stub {name}={text}: {text.lstrip('-')} is not an errno name")
    raise StubError(f"stub {name}={text}: expected {VALUE_FORMS}")


def parse_rules(pairs: Iterable[tuple[str, object]], where: str = "") -> list[StubRule]:
    """Return the rules of (name, value) pairs; raise StubError naming every bad one on one line."""
    rules, bad = [], []
    for name, value in pairs:
        try:
            rules.append(parse_rule(name, value))
        except StubError as e:
            bad.append(str(e))
    if bad:
        raise StubError((f"{where}: " if where else "") + "; ".join(bad))
    return rules


def parse_stub_option(text: str) -> tuple[str, str]:
    """Split a --stub NAME=VALUE option; raise StubError when it has no '='."""
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise StubError(f"--stub {text}: expected NAME=VALUE, VALUE {VALUE_FORMS}")
    return name.strip(), value


def iter_set_names(folder: Path = STUBS_DIR) -> list[str]:
    """Return the names of the stub sets in folder (the stem of each *.toml)."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def find_set(name: str, folder: Path = STUBS_DIR) -> Path:
    """Return the TOML file of set NAME, or NAME itself when it is a path to a .toml file."""
    if "/" in name or name.endswith(".toml"):
        path = Path(name)
        if not path.is_file():
            raise StubError(f"--stubs {name}: no such file")
        return path
    path = folder / f"{name}.toml"
    if not path.is_file():
        sets = ", ".join(iter_set_names(folder)) or "none"
        raise StubError(f"--stubs {name}: no such stub set (sets in {folder}: {sets})")
    return path


def load_set(name: str, folder: Path = STUBS_DIR) -> list[StubRule]:
    """Return the rules of stub set NAME (a name in folder, or a path); raise StubError."""
    path = find_set(name, folder)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise StubError(f"{path}: {e}") from e
    table = data.get("syscalls")
    if not isinstance(table, Mapping):
        raise StubError(f"{path}: expected a [syscalls] table of NAME = VALUE")
    return parse_rules(table.items(), str(path))


def get_covering_sets(names: Iterable[str], folder: Path = STUBS_DIR) -> list[str]:
    """Return the sets of folder that have a rule for every syscall of names (none for no names)."""
    wanted = set(names)
    out = []
    for name in iter_set_names(folder):
        try:
            if wanted and wanted <= {r.name for r in load_set(name, folder)}:
                out.append(name)
        except StubError:
            continue
    return out


def get_rules(sets: Iterable[str], options: Iterable[str]) -> list[StubRule]:
    """Return the rules of the sets, in order, then of the --stub options; a later rule wins."""
    chosen: dict[str, StubRule] = {}
    for name in sets:
        chosen.update((r.name, r) for r in load_set(name))
    pairs = [parse_stub_option(o) for o in options]
    chosen.update((r.name, r) for r in parse_rules(pairs))
    return sorted(chosen.values(), key=lambda r: r.nr)


def encode_rules(rules: Iterable[StubRule]) -> str:
    """Return the rules as the manifest's stub string ("" for none)."""
    return " ".join(r.encode() for r in rules)
