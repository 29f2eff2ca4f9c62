"""The guest's root filesystem (an initramfs) and the per-run boot manifest.

The initramfs holds the program at its absolute host path (symlinks
resolved), with its parent folders. A dynamically linked program also gets
its interpreter and libraries at their host paths (deps.resolve_deps), each
symlink crossed on the way recreated as a link, the files it loads at run
time (deps.iter_runtime_files), the host's /etc/ld.so.cache and generated
/etc files (loader/etc.py). Files and folders given with --file/--dir are
added at the guest path asked for. It is content-addressed: its name is a
hash of a format version, the guest paths, the modes and the file contents,
so the same program is packaged once. Contents are hashed once per file
version: the hash and the ELF check are memoised by the file's stat in the
cache index, so a warm run reads no program bytes at all.

The manifest (docs/boot-protocol.md) carries what changes every run: argv,
env, cwd, tty flags, a random seed, the time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import posixpath
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from loader.cache import FileIndex, atomic_output, cache_dir
from loader.cpio import CpioWriter
from loader.deps import iter_runtime_files, resolve_deps
from loader.elf import ElfInfo, check_runnable
from loader.errors import ImageError
from loader.etc import LD_SO_CACHE, get_etc_files

IMAGE_FORMAT = "pkgload-image-2"  # bump when the archive layout changes
MANIFEST_MAGIC = "pkgload-manifest"
MANIFEST_VERSION = "1"
DEFAULT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/",
}
DEFAULT_HOSTNAME = "pkgload"
# The host forwards its stdin to the program (docs/boot-protocol.md,
# "Standard input"). The kernel keeps a byte that reaches COM1 before it sets
# the UART up, so nothing is lost however early the host writes.
RELAY_STDIN = True


@dataclass(frozen=True)
class ImageEntry:
    """One file or symlink of the image: where it goes, where it comes from."""

    guest_path: str  # absolute, e.g. "/work/main/build/examples/hello"
    host_path: str  # "" for generated files and symlinks
    perm: int  # permission bits, e.g. 0o755
    sha256: str  # of the contents (of the target for a symlink)
    link_target: str | None = None  # set for a symbolic link
    data: bytes | None = None  # contents of a generated file


@dataclass(frozen=True)
class ExtraPath:
    """A host file or folder to add to the image (--file, --dir)."""

    host_path: str
    guest_path: str


@dataclass(frozen=True)
class Image:
    """A root filesystem image ready to boot, and the program inside it."""

    path: Path  # the cpio file
    key: str
    program: ElfInfo
    guest_path: str  # where the program is inside the image
    built: bool  # False when it came from the cache


@dataclass(frozen=True)
class Manifest:
    """The per-run facts the kernel reads from fw_cfg (docs/boot-protocol.md)."""

    path: str
    argv: list[str]
    env: list[str]
    cwd: str
    tty: str
    seed: str
    time_ns: int
    hostname: str = DEFAULT_HOSTNAME
    stdin_relay: bool = False  # the host forwards its stdin on COM1


def build_image(
    program: str | os.PathLike[str],
    cache: Path | None = None,
    extra: Iterable[ExtraPath] = (),
) -> Image:
    """Check program and return its root filesystem image, building it if not cached.

    Raises ElfFormatError when program is not a runnable x86-64 ELF,
    MissingLibrary when a library it needs cannot be found, and ImageError
    when an extra path is unreadable or the cache cannot be written.
    """
    cache = cache or cache_dir()
    index = FileIndex(cache / "index.json")
    entry, info = _program_entry(program, index)
    entries = {entry.guest_path: entry}
    if info.is_dynamic:
        for e in _dynamic_entries(program, index):
            entries.setdefault(e.guest_path, e)
    for x in extra:
        for e in _extra_entries(x, index):
            entries[e.guest_path] = e
    key = image_key(entries.values())
    path = cache / "images" / f"{key}.cpio"
    built = not path.exists()
    try:
        index.save()
        if built:
            _write_image(path, list(entries.values()))
    except OSError as e:
        raise ImageError(
            f"{e.filename or cache}: cannot write the image cache ({e.strerror or e}), "
            "set XDG_CACHE_HOME to a writable folder"
        ) from e
    return Image(path=path, key=key, program=info, guest_path=entry.guest_path, built=built)


def _dynamic_entries(program: str | os.PathLike[str], index: FileIndex) -> Iterator[ImageEntry]:
    """Yield the interpreter, libraries, run-time files and /etc files of a dynamic program."""
    closure = resolve_deps(program)
    closure.require_complete()
    for link in closure.program_links:
        yield _link_entry(link.path, link.target)
    for lib in closure.iter_objects():
        for link in lib.links:
            yield _link_entry(link.path, link.target)
        yield _file_entry(lib.real_path, closure.host_path(lib.real_path), index)
    for rf in iter_runtime_files(closure):
        if os.path.islink(rf.host_path):
            yield _link_entry(rf.guest_path, os.readlink(rf.host_path))
        elif os.path.isfile(rf.host_path):
            yield _file_entry(rf.guest_path, rf.host_path, index)
    if os.path.isfile(LD_SO_CACHE):
        yield _file_entry(LD_SO_CACHE, LD_SO_CACHE, index)
    for guest, data in get_etc_files(DEFAULT_HOSTNAME).items():
        yield ImageEntry(guest, "", 0o644, hashlib.sha256(data).hexdigest(), data=data)


def _extra_entries(x: ExtraPath, index: FileIndex) -> Iterator[ImageEntry]:
    """Yield the entries for one --file or --dir: a file, a link, or a tree (links kept)."""
    if os.path.islink(x.host_path):
        yield _link_entry(x.guest_path, os.readlink(x.host_path))
    elif os.path.isfile(x.host_path):
        yield _file_entry(x.guest_path, x.host_path, index)
    elif os.path.isdir(x.host_path):
        for root, dirs, files in os.walk(x.host_path):
            rel = os.path.relpath(root, x.host_path)
            groot = x.guest_path if rel == "." else posixpath.join(x.guest_path, rel)
            for name in sorted(dirs + files):
                host, guest = os.path.join(root, name), posixpath.join(groot, name)
                if os.path.islink(host):
                    yield _link_entry(guest, os.readlink(host))
                elif os.path.isfile(host):
                    yield _file_entry(guest, host, index)
    else:
        raise ImageError(f"{x.host_path}: no such file or folder to add to the image")


def _link_entry(guest: str, target: str) -> ImageEntry:
    """Return the entry of a symbolic link at guest pointing to target."""
    return ImageEntry(guest, "", 0o777, hashlib.sha256(target.encode()).hexdigest(),
                      link_target=target)


def _file_entry(guest: str, host: str, index: FileIndex) -> ImageEntry:
    """Return the entry of a regular host file, its hash memoised by its stat."""
    try:
        st = os.stat(host)
    except OSError as e:
        raise ImageError(f"{host}: cannot read it ({e.strerror})") from e
    facts = index.get(host, st)
    if facts is None or "sha256" not in facts:
        try:
            facts = {**(facts or {}), "sha256": _sha256_file(host)}
        except OSError as e:
            raise ImageError(f"{host}: cannot read it ({e.strerror})") from e
        index.put(host, st, facts)
    return ImageEntry(guest, host, stat.S_IMODE(st.st_mode), facts["sha256"])


def _program_entry(program: str | os.PathLike[str], index: FileIndex) -> tuple[ImageEntry, ElfInfo]:
    """Return the image entry and ELF facts of program, from the index when unchanged."""
    real = os.path.realpath(program)
    st = _stat_regular(real)
    facts = index.get(real, st) if st else None
    if facts is None:
        info = check_runnable(program)  # raises for every unusable path
        st = os.stat(real)
        facts = {"sha256": _sha256_file(real), "elf": _info_to_json(info)}
        index.put(real, st, facts)
    info = ElfInfo(**{**facts["elf"], "path": Path(program)})
    entry = ImageEntry(real, real, stat.S_IMODE(st.st_mode), facts["sha256"])
    return entry, info


def _stat_regular(path: str) -> os.stat_result | None:
    """Return the stat of path if it is a regular file, else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _sha256_file(path: str) -> str:
    """Return the hex sha256 of a file's contents."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _info_to_json(info: ElfInfo) -> dict[str, object]:
    """Return the ElfInfo fields worth memoising (not the path given by the user)."""
    d = dataclasses.asdict(info)
    del d["path"]
    return d


def image_key(entries: Iterable[ImageEntry]) -> str:
    """Return the content key of an image: the format, and each file's path, mode, hash."""
    h = hashlib.sha256(IMAGE_FORMAT.encode() + b"\0")
    for e in sorted(entries, key=lambda e: e.guest_path):
        kind = "l" if e.link_target is not None else "f"
        h.update(f"{e.guest_path}\0{kind}\0{e.perm:o}\0{e.sha256}\0".encode())
    return h.hexdigest()


def iter_parent_dirs(guest_paths: Iterable[str]) -> list[str]:
    """Return every folder above the guest paths, parents before children, once each."""
    dirs: dict[str, None] = {}
    for gp in guest_paths:
        for parent in reversed(PurePosixPath(gp).parents):
            if str(parent) != "/":
                dirs[str(parent)] = None
    return list(dirs)


def _write_image(path: Path, entries: list[ImageEntry]) -> None:
    """Write the cpio for entries to path, atomically."""
    with atomic_output(path) as out, _CpioWriter(out) as cpio:
        links = {e.guest_path for e in entries if e.link_target is not None}
        for d in iter_parent_dirs(e.guest_path for e in entries):
            if d not in links:
                cpio.add_dir(d)
        for e in entries:
            if e.link_target is not None:
                cpio.add_symlink(e.guest_path, e.link_target)
                continue
            if e.data is not None:
                cpio.add_file(e.guest_path, e.perm, io.BytesIO(e.data), len(e.data))
                continue
            with open(e.host_path, "rb") as f:
                src = _HashingReader(f)
                cpio.add_file(e.guest_path, e.perm, src, os.fstat(f.fileno()).st_size)
            if src.hash.hexdigest() != e.sha256:  # the key would name other bytes
                raise ImageError(f"{e.host_path}: changed while it was packaged, try again")


class _CpioWriter(CpioWriter):
    """CpioWriter with symbolic links."""

    def add_symlink(self, name: str, target: str) -> None:
        """Add a symbolic link entry: mode S_IFLNK|0777, data the target."""
        raw = os.fsencode(target)
        self._header(name, stat.S_IFLNK | 0o777, len(raw), 1)
        self._out.write(raw + b"\0" * (-len(raw) % 4))


class _HashingReader:
    """A binary reader that hashes (sha256) what passes through it."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.hash = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self.hash.update(data)
        return data


def make_env(pairs: Iterable[str], host_env: Mapping[str, str] | None = None) -> list[str]:
    """Return the program's environment: DEFAULT_ENV, then each KEY=VALUE of pairs.

    A pair without "=" takes KEY's value from host_env (os.environ by default)
    and is left out when the host does not have it, as `docker run -e` does.
    A later value of a key replaces an earlier one in place.
    """
    host_env = os.environ if host_env is None else host_env
    env = dict(DEFAULT_ENV)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            if key not in host_env:
                continue
            value = host_env[key]
        env[key] = value
    return [f"{k}={v}" for k, v in env.items()]


def make_manifest(guest_path: str, argv: list[str], env: list[str]) -> Manifest:
    """Return the manifest for one run, with this host's cwd, ttys, a fresh seed and the time.

    With RELAY_STDIN, stdin is relayed whenever our fd 0 is open (for
    /dev/null too: the relay then sends end-of-file at once).
    """
    return Manifest(
        path=guest_path,
        argv=list(argv),
        env=list(env),
        cwd=os.getcwd(),
        tty="".join("1" if os.isatty(fd) else "0" for fd in (0, 1, 2)),
        seed=os.urandom(32).hex(),
        time_ns=time.time_ns(),
        stdin_relay=RELAY_STDIN and _is_open(0),
    )


def _is_open(fd: int) -> bool:
    """Return True when fd is an open file descriptor."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def encode_manifest(m: Manifest) -> bytes:
    """Return the manifest as NUL-terminated key/value strings.

    Raises ImageError if a value contains a NUL byte.
    """
    pairs = [(MANIFEST_MAGIC, MANIFEST_VERSION), ("path", m.path)]
    pairs += [("arg", a) for a in m.argv]
    pairs += [("env", e) for e in m.env]
    pairs += [("cwd", m.cwd), ("tty", m.tty), ("seed", m.seed)]
    pairs += [("time", str(m.time_ns)), ("hostname", m.hostname)]
    if m.stdin_relay:
        pairs.append(("stdin", "relay"))
    out = bytearray()
    for key, value in pairs:
        raw = os.fsencode(value)
        if b"\0" in raw:
            raise ImageError(f"{key} {value!r}: contains a NUL byte, which the manifest cannot carry")
        out += key.encode() + b"\0" + raw + b"\0"
    return bytes(out)
