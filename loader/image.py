"""The guest's root filesystem (an initramfs) and the per-run boot manifest.

The initramfs holds the program at its absolute host path (symlinks
resolved), with its parent folders. It is content-addressed: its name is a
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
import os
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from loader.cache import FileIndex, atomic_output, cache_dir
from loader.cpio import CpioWriter
from loader.elf import ElfInfo, check_runnable
from loader.errors import ImageError, UnsupportedProgram

IMAGE_FORMAT = "pkgload-image-1"  # bump when the archive layout changes
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
    """One regular file of the image: where it goes, where it comes from."""

    guest_path: str  # absolute, e.g. "/work/main/build/examples/hello"
    host_path: str
    perm: int  # permission bits, e.g. 0o755
    sha256: str  # of the contents


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


def build_image(program: str | os.PathLike[str], cache: Path | None = None) -> Image:
    """Check program and return its root filesystem image, building it if not cached.

    Raises ElfFormatError when program is not a runnable x86-64 ELF,
    UnsupportedProgram when it is dynamically linked, and ImageError when
    the cache cannot be written.
    """
    cache = cache or cache_dir()
    index = FileIndex(cache / "index.json")
    entry, info = _program_entry(program, index)
    key = image_key([entry])
    path = cache / "images" / f"{key}.cpio"
    built = not path.exists()
    try:
        index.save()
        if built:
            _write_image(path, [entry])
    except OSError as e:
        raise ImageError(
            f"{e.filename or cache}: cannot write the image cache ({e.strerror or e}), "
            "set XDG_CACHE_HOME to a writable folder"
        ) from e
    return Image(path=path, key=key, program=info, guest_path=entry.guest_path, built=built)


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
    if info.is_dynamic:  # its libraries are not packaged yet (issue 3)
        raise UnsupportedProgram(
            f"{program}: dynamically linked (interpreter {info.interpreter}), "
            "pkgload runs only static programs for now: link it with -static"
        )
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
        h.update(f"{e.guest_path}\0{e.perm:o}\0{e.sha256}\0".encode())
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
    with atomic_output(path) as out, CpioWriter(out) as cpio:
        for d in iter_parent_dirs(e.guest_path for e in entries):
            cpio.add_dir(d)
        for e in entries:
            with open(e.host_path, "rb") as f:
                src = _HashingReader(f)
                cpio.add_file(e.guest_path, e.perm, src, os.fstat(f.fileno()).st_size)
            if src.hash.hexdigest() != e.sha256:  # the key would name other bytes
                raise ImageError(f"{e.host_path}: changed while it was packaged, try again")


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
