"""The files a program loads at run time without DT_NEEDED, by the rules of the hint files.

NSS modules, gconv, zoneinfo, terminfo, CA certificates, an interpreter's
standard library and its modules: what dlopen and open() reach that no
dynamic section names. The rules are data (loader/hints/*.toml, read by
hints.py); this module applies them to a closure. Host files, the hint
files and dpkg's file lists included, are read through a HostFs
(loader/hostfs.py), so a memoised plan records them.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import NamedTuple

from loader.deps import dynamic
from loader.deps.closure import DepClosure, Library, resolve_symlinks
from loader.deps.hints import HINTS_DIR, Dlopen, Hint, Ship, load_hints
from loader.deps.resolver import LinkMap, load_closure, new_link_map
from loader.deps.search import Loaded
from loader.hostfs import HostFs

MULTIARCH = "x86_64-linux-gnu"
DPKG_ARCH = "amd64"
DPKG_INFO = "/var/lib/dpkg/info"


class RuntimeFile(NamedTuple):
    """A file the program loads at run time without DT_NEEDED.

    host_path may be a symbolic link: then recreate it in the image as a link
    with os.readlink(host_path) as its target; its target is yielded too.
    """

    host_path: str
    guest_path: str
    reason: str


class _Emitter:
    """Collect RuntimeFiles once each, with the symlinks on their way."""

    def __init__(self, closure: DepClosure, fs: HostFs, pycache: bool = True) -> None:
        self.closure = closure
        self.fs = fs
        self.pycache = pycache
        self.seen: set[str] = set()
        self.out: list[RuntimeFile] = []
        for lib in closure.iter_objects():
            self.seen.add(lib.path)
            self.seen.update(s.path for s in lib.links)
            self.seen.add(lib.real_path)

    def file(self, guest: str, reason: str) -> None:
        """Emit guest, its symlinks and their final target (unless a folder), if it exists.

        Each name on the way is looked up (its kind, a link's target), so a
        file that appears later, or a dangling link's target, is seen to.
        """
        real, links = resolve_symlinks(self.closure.sysroot, guest, self.fs)
        kind = self.fs.kind(self.closure.host_path(real))
        if kind is None or kind == "l":  # absent, or links in a loop
            return
        for link in links:
            self.emit(link.path, reason)
        if kind != "d":
            self.emit(real, reason)

    def emit(self, guest: str, reason: str) -> None:
        """Emit one path (file or link) once."""
        if guest not in self.seen:
            self.seen.add(guest)
            self.out.append(RuntimeFile(self.closure.host_path(guest), guest, reason))

    def tree(self, guest_dir: str, reason: str, skip: Sequence[str] = ()) -> None:
        """Emit every file of a folder (no folders); relative paths matching a skip glob left out."""
        host_dir = self.closure.host_path(guest_dir)
        for root, dirs, files in self.fs.walk(host_dir):
            rel = os.path.relpath(root, host_dir)
            dirs[:] = [d for d in dirs if not _matches(_join(rel, d), skip)]
            if not self.pycache:
                dirs[:] = [d for d in dirs if d != "__pycache__"]
            dirs.sort()
            gdir = guest_dir if rel == "." else posixpath.join(guest_dir, rel)
            links = [d for d in dirs if self.fs.kind(os.path.join(root, d)) == "l"]
            for name in sorted(files) + sorted(links):
                if not _matches(_join(rel, name), skip):
                    self.file(posixpath.join(gdir, name), reason)

    def library(self, lib: Library, reason: str) -> None:
        """Emit a library found at run time: the links on its path and its real file."""
        for link in lib.links:
            self.emit(link.path, reason)
        self.emit(lib.real_path, reason)


def _join(rel: str, name: str) -> str:
    """Return name's path relative to a tree's top, given its folder's (rel, "." at the top)."""
    return name if rel == "." else posixpath.join(rel, name)


def _matches(path: str, globs: Sequence[str]) -> bool:
    """Return True when path matches one of globs (fnmatch: * matches / too)."""
    return any(fnmatchcase(path, g) for g in globs)


@dataclass
class _Match:
    """How a hint applies: its version (if the match gave one) and who dlopens for it."""

    version: str | None
    requester: Loaded | None


@dataclass
class _Context:
    """What the hints are matched against and applied to, for one closure."""

    closure: DepClosure
    fs: HostFs
    options: dict[str, bool]
    lm: LinkMap | None = None
    em: _Emitter | None = None
    reasons: dict[str, str] = field(default_factory=dict)  # path dlopened -> why
    _memo: dict[tuple[str, str], object] = field(default_factory=dict)

    def loaded(self) -> list[tuple[str, Loaded | None]]:
        """Return each loaded object's soname (or file name), with the object if there is a link map."""
        if self.lm is None:
            return [(lib.soname or posixpath.basename(lib.path), None) for lib in self.closure.libraries]
        return [(o.info.soname or posixpath.basename(o.path), o) for o in self.lm.loaded]

    def exports(self, symbol: str) -> bool:
        """Return True when the program defines symbol in .dynsym (read once)."""
        key = ("symbol", symbol)
        if key not in self._memo:
            host = self.closure.host_path(self.closure.program_real)
            self._memo[key] = dynamic.has_dynamic_symbol(host, symbol, self.fs)
        return bool(self._memo[key])

    def version_from_bytes(self, hint: Hint) -> str | None:
        """Return the highest version hint.version_bytes finds in the program whose check folder exists."""
        assert hint.version_bytes is not None
        data = self.fs.parsed("bytes", self.closure.host_path(self.closure.program_real),
                              lambda: self.fs.read(self.closure.host_path(self.closure.program_real)))
        versions = {m.group(1).decode(errors="replace") for m in hint.version_bytes.finditer(data)}
        for v in sorted(versions, key=_version_key, reverse=True):
            check = hint.version_check
            if check is None or self.fs.is_dir(self.closure.host_path(check.format(version=v))):
                return v
        return None


def _version_key(v: str) -> tuple[int, ...]:
    """Order versions by their numbers: 3.11 after 3.9."""
    return tuple(int(p) if p.isdigit() else -1 for p in v.split("."))


def _match(hint: Hint, ctx: _Context) -> _Match | None:
    """Return how hint applies to ctx's program now, or None when it does not (yet)."""
    main = ctx.lm.main if ctx.lm is not None else None
    m: _Match | None = None
    if hint.option is not None and ctx.options.get(hint.option):
        m = _Match(None, main)
    if m is None and hint.program is not None:
        found = hint.program.search(posixpath.basename(ctx.closure.program_real))
        if found:
            m = _Match(found.groupdict().get("version"), main)
    if m is None and hint.soname is not None:
        m = _match_soname(hint, ctx)
    if m is None and hint.symbol is not None and ctx.exports(hint.symbol):
        m = _Match(None, main)
    if m is not None and m.version is None and hint.version_bytes is not None:
        m.version = ctx.version_from_bytes(hint)
        if m.version is None:
            return None
    return m


def _match_soname(hint: Hint, ctx: _Context) -> _Match | None:
    """Return the match of hint's soname pattern against the first loaded object it fits."""
    assert hint.soname is not None
    for name, obj in ctx.loaded():
        found = hint.soname.match(name)
        if found:
            return _Match(found.groupdict().get("version"), obj)
    return None


def get_interpreter_version(closure: DepClosure, hint_name: str, fs: HostFs | None = None) -> str | None:
    """Return the version hint_name's rule finds for the program ("3.11"), else None."""
    fs = fs or HostFs()
    ctx = _Context(closure, fs, {})
    for hint in load_hints(fs):
        if hint.name == hint_name:
            m = _match(hint, ctx)
            return None if m is None else m.version
    return None


def get_python_version(closure: DepClosure, fs: HostFs | None = None) -> str | None:
    """Return "3.11" when the program is (or embeds) that Python, else None.

    A program is Python when its real name is pythonX.Y, when it loads
    libpythonX.Y, or when it exports Py_Main (then X.Y is read from its
    bytes and must have a stdlib folder): loader/hints/python.toml.
    """
    return get_interpreter_version(closure, "python", fs)


def get_memory_mib(closure: DepClosure, fs: HostFs | None = None,
                   hints_dir: str = HINTS_DIR) -> int | None:
    """Return the most guest memory a hint that applies to the program asks for, else None.

    A runtime that needs more than pkgload's default -m says so as data
    (loader/hints/java.toml's memory_mib); the run's default -m becomes it.
    """
    fs = fs or HostFs()
    ctx = _Context(closure, fs, {})
    asks = [h.memory_mib for h in load_hints(fs, hints_dir)
            if h.memory_mib is not None and _match(h, ctx) is not None]
    return max(asks, default=None)


def iter_runtime_files(
    closure: DepClosure, *, all_zoneinfo: bool = False, python_pycache: bool = True,
    fs: HostFs | None = None, hints_dir: str = HINTS_DIR,
) -> Iterator[RuntimeFile]:
    """Yield the files the program loads at run time without DT_NEEDED, by the hint files.

    The hints are tried in order until none more applies: one applies at most
    once, and what it dlopens may make another apply (python's _ssl loads
    libssl: the CA certificates follow). all_zoneinfo turns on the hints
    that ask for that option (zoneinfo's whole tree); python_pycache=False
    leaves __pycache__ folders out of every tree. Libraries are yielded with
    their symlinks; a module whose library is missing is still shipped
    (importing it fails as it does natively). Paths already in the closure
    are not repeated. hints_dir is where the hint files are (tests give their own).
    """
    fs = fs or HostFs()
    ctx = _Context(closure, fs, {"all_zoneinfo": all_zoneinfo})
    ctx.em = _Emitter(closure, fs, python_pycache)
    ctx.lm = new_link_map(closure.sysroot, closure.ld_library_path, closure.cwd, closure.hwcaps, fs)
    load_closure(ctx.lm, closure.program)
    n_closure = len(ctx.lm.loaded)
    pending = list(load_hints(fs, hints_dir))
    progress = True
    while progress:
        progress = False
        for hint in list(pending):
            m = _match(hint, ctx)
            if m is not None:
                pending.remove(hint)
                progress = True
                _apply(hint, m, ctx)
    for obj in ctx.lm.loaded[n_closure:]:
        if obj.lib is not None:
            why = ctx.reasons.get(obj.path, f"library of {posixpath.basename(obj.lib.needed_by)}")
            ctx.em.library(obj.lib, why)
    yield from ctx.em.out


def _apply(hint: Hint, m: _Match, ctx: _Context) -> None:
    """Ship and dlopen what hint says, unless one of its find variables is not found."""
    env = _variables(hint, m, ctx)
    if env is None:
        return
    for ship in hint.ships:
        _ship(ship, env, ctx)
    for d in hint.dlopens:
        _dlopen(d, env, m.requester, ctx)


def _variables(hint: Hint, m: _Match, ctx: _Context) -> dict[str, str] | None:
    """Return the values of hint's template variables, or None when a find finds nothing."""
    env = {"prefix": posixpath.dirname(posixpath.dirname(ctx.closure.program_real)),
           "multiarch": MULTIARCH, "arch": DPKG_ARCH}
    if m.version is not None:
        env["version"] = m.version
    for f in hint.finds:
        for cand in f.first_of:
            path = cand.format_map(env)
            host = ctx.closure.host_path(path if f.holding is None else f"{path}/{f.holding.format_map(env)}")
            if ctx.fs.is_file(host) if f.holding is not None else ctx.fs.is_dir(host):
                env[f.name] = path
                break
        else:
            return None
    return env


def _ship(ship: Ship, env: dict[str, str], ctx: _Context) -> None:
    """Emit one ship entry's files."""
    em = ctx.em
    assert em is not None
    reason = ship.reason.format_map(env)
    skip = [g.format_map(env) for g in ship.skip]
    only = [g.format_map(env) for g in ship.only]
    for f in ship.files:
        em.file(f.format_map(env), reason)
    if ship.tree is not None:
        em.tree(ship.tree.format_map(env), reason, skip)
    for pkg in ship.packages:
        for path in _dpkg_files(pkg.format_map(env), ctx):
            if (not only or _matches(path, only)) and not _matches(path, skip):
                em.file(path, reason)


def _dlopen(d: Dlopen, env: dict[str, str], requester: Loaded | None, ctx: _Context) -> None:
    """Load one dlopen entry's libraries into the link map, from requester (else the program)."""
    lm = ctx.lm
    assert lm is not None and lm.main is not None
    loader = requester or lm.main
    reason = d.reason.format_map(env)
    for name in d.names:
        obj = lm.dlopen_name(name.format_map(env), loader)
        if obj is not None:
            ctx.reasons.setdefault(obj.path, reason)
    for path in _dlopen_candidates(d, env, ctx):
        obj = lm.dlopen(path, loader)
        if obj is not None:
            ctx.reasons.setdefault(obj.path, reason)


def _dlopen_candidates(d: Dlopen, env: dict[str, str], ctx: _Context) -> list[str]:
    """Return the guest paths a dir or packages dlopen entry names, in order."""
    out: list[str] = []
    if d.dir is not None:
        top = d.dir.format_map(env)
        host_top = ctx.closure.host_path(top)
        if d.recursive:
            for root, dirs, files in ctx.fs.walk(host_top):
                dirs.sort()
                rel = os.path.relpath(root, host_top)
                out += [posixpath.join(top, _join(rel, n)) for n in sorted(files)]
        else:
            out += [posixpath.join(top, n) for n in ctx.fs.listdir(host_top)]
    for pkg in d.packages:
        out += _dpkg_files(pkg.format_map(env), ctx)
    only = [g.format_map(env) for g in d.only]
    return [p for p in out if fnmatchcase(posixpath.basename(p), d.pattern)
            and (not only or _matches(p, only))]


def _dpkg_files(package: str, ctx: _Context) -> list[str]:
    """Return the paths dpkg's file list of an installed package names; none without one.

    /var/lib/dpkg/info/PKG.list, or PKG:ARCH.list for a Multi-Arch: same
    package. A host without dpkg, or without the package, gives nothing.
    """
    for name in (f"{package}.list", f"{package}:{DPKG_ARCH}.list"):
        host = ctx.closure.host_path(f"{DPKG_INFO}/{name}")
        if not ctx.fs.is_file(host):
            continue
        try:
            text = ctx.fs.read(host).decode(errors="surrogateescape")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.startswith("/") and line != "/."]
    return []
