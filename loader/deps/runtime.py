"""The files a program loads at run time without DT_NEEDED, by rule.

NSS modules, gconv, zoneinfo, a Python's stdlib and lib-dynload (with the
libraries its modules load), terminfo, CA certificates: what dlopen and
open() reach that no dynamic section names. Host files are read through a
HostFs (loader/hostfs.py), so a memoised plan records them.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from loader.deps import dynamic
from loader.deps.closure import DepClosure, Library, resolve_symlinks
from loader.deps.resolver import LinkMap, load_closure, new_link_map
from loader.hostfs import HostFs

GCONV_DIR = "/usr/lib/x86_64-linux-gnu/gconv"
GCONV_MODULES = ("UTF-16.so", "UTF-32.so", "UTF-7.so", "ISO8859-1.so")
NSS_MODULES = ("libnss_files.so.2", "libnss_dns.so.2")
# glibc dlopens it to unwind a thread's stack at pthread_cancel and
# pthread_exit (and for backtrace); without it, they abort the program.
UNWIND_LIBRARY = "libgcc_s.so.1"
TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo")
TERMINFO_NAMES = ("xterm", "xterm-256color", "linux", "vt100", "dumb")
ZONEINFO_DIR = "/usr/share/zoneinfo"
ZONEINFO_FILES = ("UTC", "Etc/UTC")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
OPENSSL_DIR = "/usr/lib/ssl"  # Debian's OPENSSLDIR: openssl.cnf, certs -> /etc/ssl/certs
PYTHON_SKIP_DIRS = ("test", "idlelib", "tkinter", "turtledemo")
_PY_VERSION = re.compile(r"python(\d+\.\d+)$")
_PY_VERSION_BYTES = re.compile(rb"python(\d\.\d{1,2})\b")

# libc sonames whose presence turns on the glibc run-time file rules.
_GLIBC_SONAME = "libc.so.6"
_SSL_SONAME = re.compile(r"^lib(ssl|gnutls)\.so\.")
_TINFO_SONAME = re.compile(r"^lib(tinfo|ncurses|ncursesw)\.so\.")
_PYLIB_SONAME = re.compile(r"^libpython(\d+\.\d+)[a-z]*\.so")


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

    def __init__(self, closure: DepClosure, fs: HostFs) -> None:
        self.closure = closure
        self.fs = fs
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

    def tree(
        self, guest_dir: str, reason: str, skip: Sequence[str] = (), pycache: bool = True
    ) -> None:
        """Emit every file of a folder (no folders), top-level skip names left out."""
        host_dir = self.closure.host_path(guest_dir)
        for root, dirs, files in self.fs.walk(host_dir):
            rel = os.path.relpath(root, host_dir)
            if rel == ".":
                dirs[:] = [d for d in dirs if d not in skip]
            if not pycache:
                dirs[:] = [d for d in dirs if d != "__pycache__"]
            dirs.sort()
            gdir = guest_dir if rel == "." else posixpath.join(guest_dir, rel)
            links = [d for d in dirs if self.fs.kind(os.path.join(root, d)) == "l"]
            for name in sorted(files) + sorted(links):
                self.file(posixpath.join(gdir, name), reason)

    def library(self, lib: Library, reason: str) -> None:
        """Emit a library found at run time: the links on its path and its real file."""
        for link in lib.links:
            self.emit(link.path, reason)
        self.emit(lib.real_path, reason)


def get_python_version(closure: DepClosure, fs: HostFs | None = None) -> str | None:
    """Return "3.11" when the program is (or embeds) that Python, else None.

    A program is Python when its real name is pythonX.Y, when it loads
    libpythonX.Y, or when it exports Py_Main (then X.Y is read from its
    bytes and must have a stdlib folder).
    """
    fs = fs or HostFs()
    m = _PY_VERSION.search(posixpath.basename(closure.program_real))
    if m:
        return m.group(1)
    for lib in closure.libraries:
        m = _PYLIB_SONAME.match(lib.soname or posixpath.basename(lib.path))
        if m:
            return m.group(1)
    host = closure.host_path(closure.program_real)
    if not dynamic.has_dynamic_symbol(host, "Py_Main", fs):
        return None
    versions = {m.group(1).decode() for m in _PY_VERSION_BYTES.finditer(fs.read(host))}
    for v in sorted(versions, reverse=True):
        if fs.is_dir(closure.host_path(f"/usr/lib/python{v}")):
            return v
    return None


def _python_stdlib(closure: DepClosure, version: str, fs: HostFs) -> str | None:
    """Return the guest folder of Python version's stdlib, next to the program first."""
    prefix = posixpath.dirname(posixpath.dirname(closure.program_real))
    for cand in (f"{prefix}/lib/python{version}", f"/usr/lib/python{version}"):
        if fs.is_file(closure.host_path(f"{cand}/os.py")):
            return cand
    return None


def _python_files(closure: DepClosure, lm: LinkMap, em: _Emitter, version: str,
                  pycache: bool) -> None:
    """Emit Python's stdlib and load its lib-dynload modules (with their libraries) into lm."""
    fs = em.fs
    stdlib = _python_stdlib(closure, version, fs)
    if stdlib is None:
        return
    names = fs.listdir(closure.host_path(stdlib))
    skip = list(PYTHON_SKIP_DIRS) + [d for d in names if d.startswith("config-")]
    em.tree(stdlib, f"python{version} stdlib", skip, pycache)
    dynload = f"{stdlib}/lib-dynload"
    assert lm.main is not None
    for mod in fs.listdir(closure.host_path(dynload)):
        if mod.endswith(".so"):
            lm.dlopen(f"{dynload}/{mod}", lm.main)


def _gconv_files(em: _Emitter) -> None:
    """Emit gconv's configuration and the modules iconv loads most."""
    for f in ("gconv-modules", "gconv-modules.cache", *GCONV_MODULES):
        em.file(f"{GCONV_DIR}/{f}", "gconv")
    em.tree(f"{GCONV_DIR}/gconv-modules.d", "gconv")


def _terminfo_files(em: _Emitter) -> None:
    """Emit the terminfo entries of the common terminals."""
    for d in TERMINFO_DIRS:
        for t in TERMINFO_NAMES:
            em.file(f"{d}/{t[0]}/{t}", "terminfo")


def _zoneinfo_files(em: _Emitter, all_zoneinfo: bool) -> None:
    """Emit zoneinfo's UTC, or the whole tree."""
    if all_zoneinfo:
        em.tree(ZONEINFO_DIR, "zoneinfo")
        return
    for z in ZONEINFO_FILES:
        em.file(f"{ZONEINFO_DIR}/{z}", "zoneinfo")


def _tls_files(em: _Emitter, openssl: bool) -> None:
    """Emit the CA bundle and, for OpenSSL, its folder (openssl.cnf, the hashed certs)."""
    em.file(CA_BUNDLE, "CA certificates")
    if openssl:
        em.file(f"{OPENSSL_DIR}/openssl.cnf", "OpenSSL configuration")
        em.file(f"{OPENSSL_DIR}/certs", "CA certificates")
        em.tree(posixpath.dirname(CA_BUNDLE), "CA certificates")


def _get_reason(lib: Library) -> str:
    """Say why a library loaded at run time is shipped."""
    if lib.name in NSS_MODULES:
        return "NSS module"
    if lib.name == UNWIND_LIBRARY:
        return "unwinder of pthread_cancel"
    return f"library of {posixpath.basename(lib.needed_by)}"


def iter_runtime_files(
    closure: DepClosure, *, all_zoneinfo: bool = False, python_pycache: bool = True,
    fs: HostFs | None = None,
) -> Iterator[RuntimeFile]:
    """Yield the files the program loads at run time without DT_NEEDED, by rule.

    - libc.so.6 loaded: NSS modules for files and dns (nsswitch.conf is
      generated elsewhere), libgcc_s.so.1 (the unwinder pthread_cancel and
      pthread_exit load), gconv's configuration and its UTF-* and
      ISO8859-1 modules, and zoneinfo's UTC.
    - Python X.Y (see get_python_version): its stdlib without test/,
      idlelib/, tkinter/, turtledemo/ and the config-X.Y-* build folder
      (libpythonX.Y-dev's static library), __pycache__ unless
      python_pycache is False; every lib-dynload module with the libraries it
      loads (e.g. _ssl: libssl, libcrypto) that the closure lacks.
    - libtinfo or libncurses: terminfo for xterm, xterm-256color, linux,
      vt100, dumb.
    - libssl or libgnutls (in the closure or a module's): the CA bundle;
      for libssl also OpenSSL's folder (openssl.cnf, the hashed certs).
    - the whole zoneinfo tree when all_zoneinfo.

    Libraries are yielded with their symlinks; a module whose library is
    missing is still shipped (importing it fails as it does natively).
    Paths already in the closure are not repeated.
    """
    fs = fs or HostFs()
    em = _Emitter(closure, fs)
    lm = new_link_map(closure.sysroot, closure.ld_library_path, closure.cwd, closure.hwcaps, fs)
    load_closure(lm, closure.program)
    n_closure = len(lm.loaded)
    libc = lm.find_loaded(_GLIBC_SONAME)
    if libc is not None:
        for name in (*NSS_MODULES, UNWIND_LIBRARY):
            lm.dlopen_name(name, libc)
    version = get_python_version(closure, fs)
    if version is not None:
        _python_files(closure, lm, em, version, python_pycache)
    for obj in lm.loaded[n_closure:]:
        if obj.lib is not None:
            em.library(obj.lib, _get_reason(obj.lib))
    sonames = {o.info.soname or posixpath.basename(o.path) for o in lm.loaded}
    if libc is not None:
        _gconv_files(em)
    if any(_TINFO_SONAME.match(s) for s in sonames):
        _terminfo_files(em)
    if all_zoneinfo or libc is not None or version is not None:
        _zoneinfo_files(em, all_zoneinfo)
    if any(_SSL_SONAME.match(s) for s in sonames):
        _tls_files(em, any(s.startswith("libssl.") for s in sonames))
    yield from em.out
