"""Hint files: the rules of what programs load at run time, read from TOML.

Each loader/hints/*.toml holds [[hint]] tables saying when a rule applies (a
program name, a loaded soname, an exported symbol, a caller's option) and
what it ships (files, trees, dpkg file lists) or dlopens. This module only
reads and checks them (HintError names the file and the key); runtime.py
applies them. The format is docs/host.md's "Run-time files: hints".
"""

from __future__ import annotations

import os
import posixpath
import re
import string
import tomllib
from dataclasses import dataclass
from typing import Any

from loader.errors import HintError
from loader.hostfs import HostFs

HINTS_DIR = posixpath.join(posixpath.dirname(posixpath.dirname(__file__)), "hints")
# Names every template may use besides {version} and the hint's finds.
BUILTIN_VARS = ("prefix", "multiarch", "arch")
OPTIONS = ("all_zoneinfo",)
_HINT_KEYS = {"name", "reason", "when", "version", "find", "ship", "dlopen", "memory_mib"}
_WHEN_KEYS = {"program", "soname", "symbol", "option"}
_SHIP_KEYS = {"reason", "files", "tree", "packages", "skip", "only"}
_DLOPEN_KEYS = {"reason", "names", "dir", "packages", "pattern", "recursive", "only"}


@dataclass(frozen=True)
class Find:
    """A variable: the first candidate folder that exists (and holds a file, if named)."""

    name: str
    first_of: tuple[str, ...]
    holding: str | None


@dataclass(frozen=True)
class Ship:
    """Files to put in the image: a list, a folder's tree, or dpkg packages' file lists."""

    reason: str
    files: tuple[str, ...] = ()
    tree: str | None = None
    packages: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()  # globs: on a tree's relative paths, a package's absolute ones
    only: tuple[str, ...] = ()  # globs on a package's paths: keep only those


@dataclass(frozen=True)
class Dlopen:
    """Libraries loaded as dlopen would: by name, a folder's files, or packages' files."""

    reason: str
    names: tuple[str, ...] = ()
    dir: str | None = None
    packages: tuple[str, ...] = ()
    pattern: str = "*.so"
    recursive: bool = False
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hint:
    """One rule: when it applies, and what it ships and loads."""

    name: str
    source: str  # the file it came from, for messages
    program: re.Pattern[str] | None
    soname: re.Pattern[str] | None
    symbol: str | None
    option: str | None
    version_bytes: re.Pattern[bytes] | None
    version_check: str | None
    finds: tuple[Find, ...]
    ships: tuple[Ship, ...]
    dlopens: tuple[Dlopen, ...]
    memory_mib: int | None = None  # the guest memory (-m) a run needs by default


def load_hints(fs: HostFs, folder: str = HINTS_DIR) -> tuple[Hint, ...]:
    """Return the hints of every *.toml in folder, by file name; raise HintError on a bad one.

    Read through fs, so a plan depends on the hint files it used.
    """
    return fs.parsed("hints", folder, lambda: _load_folder(fs, folder))


def _load_folder(fs: HostFs, folder: str) -> tuple[Hint, ...]:
    """Parse each hint file of folder, checking that names are unique."""
    hints: list[Hint] = []
    for name in fs.listdir(folder):
        if name.endswith(".toml"):
            path = os.path.join(folder, name)
            hints.extend(parse_hint_file(fs.read(path), path))
    seen: set[str] = set()
    for h in hints:
        if h.name in seen:
            raise HintError(f"{h.source}: hint {h.name!r} is defined twice")
        seen.add(h.name)
    return tuple(hints)


def parse_hint_file(data: bytes, source: str) -> list[Hint]:
    """Return the hints of one file's bytes; raise HintError saying what is wrong."""
    try:
        doc = tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise HintError(f"{source}: not a TOML file: {e}") from None
    _check_keys(doc, {"hint"}, source)
    tables = doc.get("hint", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise HintError(f"{source}: 'hint' must be an array of tables ([[hint]])")
    return [_parse_hint(t, source) for t in tables]


def _parse_hint(t: dict[str, Any], source: str) -> Hint:
    """Build one Hint from its table, checking every key and template."""
    name = _get_str(t, "name", f"{source}: a hint", required=True)
    where = f"{source}: hint {name!r}"
    _check_keys(t, _HINT_KEYS, where)
    reason = _get_str(t, "reason", where) or name
    when = _get_table(t, "when", where)
    _check_keys(when, _WHEN_KEYS, f"{where}: when")
    if not when:
        raise HintError(f"{where}: 'when' must name a program, soname, symbol or option")
    option = _get_str(when, "option", f"{where}: when")
    if option is not None and option not in OPTIONS:
        raise HintError(f"{where}: unknown option {option!r} (known: {', '.join(OPTIONS)})")
    version = _get_table(t, "version", where)
    _check_keys(version, {"from_bytes", "check"}, f"{where}: version")
    if "check" in version and "from_bytes" not in version:
        raise HintError(f"{where}: version.check needs version.from_bytes")
    hint = Hint(
        name, source,
        _get_regex(when, "program", where), _get_regex(when, "soname", where),
        _get_str(when, "symbol", f"{where}: when"), option,
        _get_bytes_regex(version, "from_bytes", where), _get_str(version, "check", where),
        _parse_finds(_get_table(t, "find", where), where),
        tuple(_parse_ship(s, reason, where) for s in _get_tables(t, "ship", where)),
        tuple(_parse_dlopen(d, reason, where) for d in _get_tables(t, "dlopen", where)),
        _get_memory(t, where),
    )
    _check_templates(hint, reason, where)
    return hint


def _get_memory(t: dict[str, Any], where: str) -> int | None:
    """Return the hint's memory_mib (a whole number of MiB, at least 4), or None."""
    v = t.get("memory_mib")
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < 4:
        raise HintError(f"{where}: memory_mib must be a whole number of MiB, at least 4")
    return v


def _parse_finds(table: dict[str, Any], where: str) -> tuple[Find, ...]:
    """Build the hint's variables from its find table."""
    out = []
    for var, spec in table.items():
        w = f"{where}: find.{var}"
        if not isinstance(spec, dict):
            raise HintError(f"{w}: must be a table with first_of (and holding)")
        _check_keys(spec, {"first_of", "holding"}, w)
        first_of = _get_strs(spec, "first_of", w)
        if not first_of:
            raise HintError(f"{w}: first_of must list at least one folder")
        out.append(Find(var, first_of, _get_str(spec, "holding", w)))
    return tuple(out)


def _parse_ship(t: dict[str, Any], reason: str, where: str) -> Ship:
    """Build one ship entry: exactly one of files, tree, packages."""
    w = f"{where}: ship"
    _check_keys(t, _SHIP_KEYS, w)
    ship = Ship(_get_str(t, "reason", w) or reason, _get_strs(t, "files", w), _get_str(t, "tree", w),
                _get_strs(t, "packages", w), _get_strs(t, "skip", w), _get_strs(t, "only", w))
    if sum(map(bool, (ship.files, ship.tree, ship.packages))) != 1:
        raise HintError(f"{w}: give exactly one of files, tree, packages")
    return ship


def _parse_dlopen(t: dict[str, Any], reason: str, where: str) -> Dlopen:
    """Build one dlopen entry: exactly one of names, dir, packages."""
    w = f"{where}: dlopen"
    _check_keys(t, _DLOPEN_KEYS, w)
    recursive = t.get("recursive", False)
    if not isinstance(recursive, bool):
        raise HintError(f"{w}: recursive must be true or false")
    d = Dlopen(_get_str(t, "reason", w) or reason, _get_strs(t, "names", w), _get_str(t, "dir", w),
               _get_strs(t, "packages", w), _get_str(t, "pattern", w) or "*.so", recursive,
               _get_strs(t, "only", w))
    if sum(map(bool, (d.names, d.dir, d.packages))) != 1:
        raise HintError(f"{w}: give exactly one of names, dir, packages")
    return d


def _check_templates(hint: Hint, reason: str, where: str) -> None:
    """Raise HintError when a template names a variable the hint cannot have."""
    known = set(BUILTIN_VARS) | {f.name for f in hint.finds}
    if _gives_version(hint):
        known.add("version")
    texts = [reason, hint.version_check or ""]
    for i, f in enumerate(hint.finds):
        known_here = known - {g.name for g in hint.finds[i:]}
        for text in (*f.first_of, f.holding or ""):
            _check_template(text, known_here, where)
    for s in hint.ships:
        texts += [s.reason, *s.files, s.tree or "", *s.packages, *s.skip, *s.only]
    for d in hint.dlopens:
        texts += [d.reason, *d.names, d.dir or "", *d.packages, *d.only]
    for text in texts:
        _check_template(text, known, where)


def _gives_version(hint: Hint) -> bool:
    """Return True when every way the hint can apply gives it a {version}."""
    has = [r is not None and "version" in r.groupindex for r in (hint.program, hint.soname)]
    ways = [(r is not None, h) for r, h in zip((hint.program, hint.soname), has, strict=True)]
    ways += [(hint.symbol is not None, False), (hint.option is not None, False)]
    return hint.version_bytes is not None or all(h for on, h in ways if on)


def _check_template(text: str, known: set[str], where: str) -> None:
    """Raise HintError when text is not a valid template over known."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as e:
        raise HintError(f"{where}: bad template {text!r}: {e}") from None
    for f in fields:
        if f not in known:
            raise HintError(f"{where}: {text!r} uses {{{f}}}, which this hint does not define"
                            f" (known: {', '.join(sorted(known))})")


def _check_keys(t: dict[str, Any], allowed: set[str], where: str) -> None:
    """Raise HintError on a key of t not in allowed."""
    for k in t:
        if k not in allowed:
            raise HintError(f"{where}: unknown key {k!r} (allowed: {', '.join(sorted(allowed))})")


def _get_str(t: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    """Return t[key], a string, or None when absent (HintError when required)."""
    v = t.get(key)
    if v is None and required:
        raise HintError(f"{where}: missing {key!r}")
    if v is not None and not isinstance(v, str):
        raise HintError(f"{where}: {key!r} must be a string")
    return v


def _get_strs(t: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """Return t[key], a list of strings, as a tuple (empty when absent)."""
    v = t.get(key, [])
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise HintError(f"{where}: {key!r} must be a list of strings")
    return tuple(v)


def _get_table(t: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """Return t[key], a table ({} when absent)."""
    v = t.get(key, {})
    if not isinstance(v, dict):
        raise HintError(f"{where}: {key!r} must be a table")
    return v


def _get_tables(t: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    """Return t[key], an array of tables ([] when absent)."""
    v = t.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise HintError(f"{where}: {key!r} must be an array of tables ([[hint.{key}]])")
    return v


def _get_regex(t: dict[str, Any], key: str, where: str) -> re.Pattern[str] | None:
    """Return when's t[key] compiled, or None when absent."""
    s = _get_str(t, key, f"{where}: when")
    if s is None:
        return None
    try:
        return re.compile(s)
    except re.error as e:
        raise HintError(f"{where}: when.{key}: bad regular expression {s!r}: {e}") from None


def _get_bytes_regex(t: dict[str, Any], key: str, where: str) -> re.Pattern[bytes] | None:
    """Return version's t[key] compiled for bytes, with one group; None when absent."""
    s = _get_str(t, key, f"{where}: version")
    if s is None:
        return None
    try:
        r = re.compile(s.encode())
    except re.error as e:
        raise HintError(f"{where}: version.{key}: bad regular expression {s!r}: {e}") from None
    if r.groups != 1:
        raise HintError(f"{where}: version.{key}: needs exactly one group, the version")
    return r
