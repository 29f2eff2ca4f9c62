"""The guest's root filesystem (an initramfs) and the per-run boot manifest.

The initramfs holds the program at its absolute host path (symlinks
resolved), with its parent folders. A dynamically linked program also gets
its interpreter and libraries at their host paths (deps.resolve_deps), each
symlink crossed on the way recreated as a link, the files it loads at run
time (deps.iter_runtime_files) and the host's /etc/ld.so.cache. Every image
gets the generated /etc files (loader/etc.py). Files and folders given with
--file/--dir are added at the guest path asked for. Shipped files, links and
--dir folders keep their host mode, owner and mtime; what the image makes up
(the root, parent folders, /etc files) gets GENERATED_MTIME and root's
ownership. It is content-addressed: its name is a hash of a format version,
each entry's guest path, kind, attributes and contents, so the same program
is packaged once. Contents are hashed once per file
version: the hash and the ELF check are memoised by the file's stat in the
cache index, so a warm run reads no program bytes at all. What an image ships
besides the program (its plan: the closure, run-time files and --file/--dir
paths) is memoised too (loader/closure_cache.py): a warm run checks it with
stat calls and parses no ELF file. With the plan, the key of the last image
built from it is kept with the stat of every file it holds: while none
changed, a warm run makes no entries and reads no index.

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
import struct
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from loader.cache import FileIndex, atomic_output, cache_dir
from loader.closure_cache import (Plan, PlanKey, Shipped, StoredPlan, get_plan,
                                  make_stored_plan, put_image)
from loader.cpio import CpioWriter, EntryAttrs, find_first_file
from loader.elf import ElfInfo, check_runnable
from loader.errors import ImageError
from loader.etc import LD_SO_CACHE, get_etc_files
from loader import terminal
from loader.fstrace import (StatKey, get_lstat_key, get_stat_key, note_listing, note_lookup,
                            note_read, tracing)

IMAGE_FORMAT = "pkgload-image-3"  # bump when the archive layout changes
# Random bytes per run: 32 key the kernel's RNG, 64 serve boot's own requests
# (AT_RANDOM, stack, mmap, brk and PIE bases) as they are (kernel/drivers/rng.c).
SEED_BYTES = 96
# The manifest's binary header (docs/boot-protocol.md, kernel/manifest.c):
# magic, version, size, argc, envc, flags, rows, columns, time, seed,
# program offset, size and mode, reserved, base; then the addresses of the
# path, cwd, hostname, terminal modes, argv array and envp array. After it
# come the two NULL-terminated pointer arrays, then the strings.
MANIFEST_HEADER = struct.Struct(f"<8sIIIIIHHQ{SEED_BYTES}sQQIIQ6Q")
MANIFEST_MAGIC = b"pkgload\0"
MANIFEST_VERSION = 3
# Where the kernel sees the manifest (kernel/manifest.h MANIFEST_VIRT: its
# direct map of physical memory, plus the physical address vm.py loads it
# at), so its pointers can be used as they are.
MANIFEST_PHYS = 0x200000
MANIFEST_VIRT = 0xFFFF800000000000 + MANIFEST_PHYS
MANIFEST_STDIN_RELAY = 1 << 3  # flags: bits 0-2 say fd 0-2 is a terminal
MANIFEST_MAX_BYTES = 4 << 20  # what the kernel reserves at its address
DEFAULT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/",
}
DEFAULT_HOSTNAME = "pkgload"
# The mtime of everything the image makes up rather than ships: fixed, so the
# same entries give the same image (2024-01-01 00:00:00 UTC).
GENERATED_MTIME = 1704067200
GENERATED_DIR = EntryAttrs(0o755, 0, 0, GENERATED_MTIME)
# The host forwards its stdin to the program (docs/boot-protocol.md,
# "Standard input"). The kernel keeps a byte that reaches COM1 before it sets
# the UART up, so nothing is lost however early the host writes.
RELAY_STDIN = True


@dataclass(frozen=True)
class ImageEntry:
    """One file, symlink or folder of the image: where it goes, where it comes from."""

    guest_path: str  # absolute, e.g. "/work/main/build/examples/hello"
    host_path: str  # "" for generated files, symlinks and folders
    attrs: EntryAttrs  # permission bits, owner, mtime
    sha256: str  # of the contents (of the target for a symlink, "" for a folder)
    link_target: str | None = None  # set for a symbolic link
    data: bytes | None = None  # contents of a generated file
    is_dir: bool = False
    inode: tuple[int, int] | None = None  # (st_dev, st_ino) of a host file with hard links

    @property
    def kind(self) -> str:
        """Return "d" for a folder, "l" for a symbolic link, "f" for a file."""
        return "d" if self.is_dir else "l" if self.link_target is not None else "f"


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
    program_extent: ProgramExtent | None = None  # where its bytes are in the cpio


@dataclass(frozen=True)
class ProgramExtent:
    """Where the program's bytes are in the image, so the kernel starts it without searching."""

    offset: int
    size: int
    mode: int  # st_mode


@dataclass(frozen=True)
class Manifest:
    """The per-run facts the kernel finds in memory at boot (docs/boot-protocol.md)."""

    path: str
    argv: list[str]
    env: list[str]
    cwd: str
    tty: str
    seed: str
    time_ns: int
    hostname: str = DEFAULT_HOSTNAME
    stdin_relay: bool = False  # the host forwards its stdin on COM1
    winsize: tuple[int, int] | None = None  # the host terminal's rows and columns
    term_modes: str | None = None  # stdin's terminal modes, as loader.terminal encodes them
    program: ProgramExtent | None = None  # where path's bytes are in the image


def build_image(
    program: str | os.PathLike[str],
    cache: Path | None = None,
    extra: Iterable[ExtraPath] = (),
    ld_library_path: str | None = None,
    accel: str = "tcg",
) -> Image:
    """Check program and return its root filesystem image, building it if not cached.

    ld_library_path is the LD_LIBRARY_PATH the program's libraries are
    looked up with (default: none); accel ("tcg" or "kvm") what the image
    boots under, whose CPU decides which library variants ld.so takes. Raises ElfFormatError when program is
    not a runnable x86-64 ELF, MissingLibrary when a library it needs cannot
    be found, and ImageError when an extra path is unreadable or the cache
    cannot be written.
    """
    cache = cache or cache_dir()
    extra = list(extra)
    pkey = PlanKey(os.fspath(program), ld_library_path,
                   tuple((x.host_path, x.guest_path) for x in extra), accel)
    stored = get_plan(cache, pkey)
    if stored is not None and (img := _get_unchanged_image(program, stored, cache)) is not None:
        return img
    program_stat = get_stat_key(os.path.realpath(program))  # before it is read, as below
    index = FileIndex(cache / "index.json")
    entry, info = _program_entry(program, index)
    if stored is None or stored.dynamic != info.is_dynamic:
        stored = _make_plan(program, info.is_dynamic, extra, pkey)
    shipped_stats = _get_shipped_stats(stored.plan)
    entries = {entry.guest_path: entry}
    for item in stored.plan.dynamic:
        entries.setdefault(item.guest_path, _entry_of(item, index))
    for guest, data in get_etc_files(DEFAULT_HOSTNAME).items():
        attrs = dataclasses.replace(GENERATED_DIR, perm=0o644)
        entries.setdefault(guest, ImageEntry(guest, "", attrs, _sha256(data), data=data))
    for item in stored.plan.extra:
        entries[item.guest_path] = _entry_of(item, index)
    key = image_key(entries.values())
    path = cache / "images" / f"{key}.cpio"
    built = not path.exists()
    try:
        index.save()
        if built:
            _write_image(path, list(entries.values()))
        extent = _find_program_extent(path, entry.guest_path)
        image = {"key": key, "guest_path": entry.guest_path, "elf": _info_to_json(info),
                 "program_stat": program_stat, "program_extent": extent and dataclasses.astuple(extent),
                 **shipped_stats}
        put_image(cache, pkey, stored, image)
    except OSError as e:
        raise _cache_error(e, cache) from e
    return Image(path=path, key=key, program=info, guest_path=entry.guest_path, built=built,
                 program_extent=extent)


def _find_program_extent(image_path: Path, guest_path: str) -> ProgramExtent | None:
    """Return where the program's bytes are in the image: its first file (_write_image)."""
    first = find_first_file(image_path)
    if first is None or "/" + first.name != guest_path:
        return None
    return ProgramExtent(first.offset, first.size, first.mode)


def _get_unchanged_image(program: str | os.PathLike[str], stored: StoredPlan,
                         cache: Path) -> Image | None:
    """Return the image last built from stored's plan if no file it holds changed, else None.

    The image's key is a function of the program's real path, of each shipped
    file's stat (attributes; contents by the index's rule) and of the plan, so
    unchanged stats give the same key without making its entries again.
    """
    last = stored.image
    if last is None or os.path.realpath(program) != last["guest_path"]:
        return None
    if get_stat_key(last["guest_path"]) != last["program_stat"] or last["program_stat"] is None:
        return None
    if any(get_stat_key(p) != k for p, k in last["stats"].items()):
        return None
    if any(get_lstat_key(p) != k for p, k in last["lstats"].items()):
        return None
    path = cache / "images" / f"{last['key']}.cpio"
    if not path.exists():
        return None
    info = ElfInfo(**{**last["elf"], "path": Path(program)})
    extent = last.get("program_extent")
    return Image(path=path, key=last["key"], program=info, guest_path=last["guest_path"],
                 built=False, program_extent=extent and ProgramExtent(*extent))


def _get_shipped_stats(plan: Plan) -> dict[str, dict[str, StatKey]]:
    """Return the stat keys of what plan ships: files followed, links and folders not.

    Taken before the entries are made, so that a file changed meanwhile
    shows as changed next time rather than being remembered as it is now.
    """
    stats: dict[str, StatKey] = {}
    lstats: dict[str, StatKey] = {}
    for item in (*plan.dynamic, *plan.extra):
        if item.kind == "f":
            stats[item.host_path] = get_stat_key(item.host_path)
        else:
            lstats[item.host_path] = get_lstat_key(item.host_path)
    return {"stats": stats, "lstats": lstats}


def _cache_error(e: OSError, cache: Path) -> ImageError:
    """Return the ImageError for a cache that cannot be written."""
    return ImageError(
        f"{e.filename or cache}: cannot write the image cache ({e.strerror or e}), "
        "set XDG_CACHE_HOME to a writable folder"
    )


def _make_plan(program: str | os.PathLike[str], dynamic: bool, extra: list[ExtraPath],
               pkey: PlanKey) -> StoredPlan:
    """Find what the image ships besides the program, tracing what that looked at."""
    with tracing() as trace:
        dyn = tuple(_iter_dynamic_plan(program, pkey.ld_library_path, pkey.accel)) if dynamic else ()
        plan = Plan(dyn, tuple(s for x in extra for s in _iter_extra_plan(x)))
    return make_stored_plan(pkey, plan, dynamic, trace)


def _iter_dynamic_plan(program: str | os.PathLike[str], ld_library_path: str | None,
                       accel: str) -> Iterator[Shipped]:
    """Yield the interpreter, libraries, run-time files and ld.so.cache of a dynamic program.

    Libraries are resolved for the CPU the guest has under accel. Raises
    MissingLibrary when the closure is incomplete.
    """
    from loader.deps import get_guest_hwcaps, iter_runtime_files, resolve_deps  # not on a warm run

    closure = resolve_deps(program, ld_library_path=ld_library_path, hwcaps=get_guest_hwcaps(accel))
    closure.require_complete()
    for link in closure.program_links:
        yield Shipped(link.path, closure.host_path(link.path), "l", link.target)
    for lib in closure.iter_objects():
        for link in lib.links:
            yield Shipped(link.path, closure.host_path(link.path), "l", link.target)
        yield Shipped(lib.real_path, closure.host_path(lib.real_path), "f")
    for rf in iter_runtime_files(closure):
        yield from _iter_present(rf.guest_path, rf.host_path)
    note_read(LD_SO_CACHE)
    if os.path.isfile(LD_SO_CACHE):
        yield Shipped(LD_SO_CACHE, LD_SO_CACHE, "f")


def _iter_present(guest: str, host: str) -> Iterator[Shipped]:
    """Yield host as a link or a regular file placed at guest; nothing for anything else."""
    note_lookup(host)  # a link's target and a file's kind change only with its entry
    if os.path.islink(host):
        yield Shipped(guest, host, "l", os.readlink(host))
    elif os.path.isfile(host):
        yield Shipped(guest, host, "f")


def _iter_extra_plan(x: ExtraPath) -> Iterator[Shipped]:
    """Yield what one --file or --dir ships: a file, a link, or a tree (links kept).

    A tree's folders, empty ones too, are entries of their own with their host
    attributes. Raises ImageError when x.host_path does not exist.
    """
    note_lookup(x.host_path)  # a link, a file or a folder
    note_read(x.host_path)
    if os.path.islink(x.host_path) or os.path.isfile(x.host_path):
        yield from _iter_present(x.guest_path, x.host_path)
    elif os.path.isdir(x.host_path):
        for root, dirs, files in os.walk(x.host_path):
            note_listing(root)
            rel = os.path.relpath(root, x.host_path)
            groot = x.guest_path if rel == "." else posixpath.join(x.guest_path, rel)
            yield Shipped(groot, root, "d")
            for name in sorted(dirs + files):
                yield from _iter_present(posixpath.join(groot, name), os.path.join(root, name))
    else:
        raise ImageError(f"{x.host_path}: no such file or folder to add to the image")


def _entry_of(item: Shipped, index: FileIndex) -> ImageEntry:
    """Return the image entry of a shipped host path: its stat now, its hash memoised."""
    if item.kind == "l":
        return _link_entry(item.guest_path, item.host_path, item.link_target)
    if item.kind == "d":
        return ImageEntry(item.guest_path, item.host_path, _attrs(_lstat(item.host_path)), "",
                          is_dir=True)
    return _file_entry(item.guest_path, item.host_path, index)


def _attrs(st: os.stat_result) -> EntryAttrs:
    """Return the attributes an entry keeps from a host file's stat."""
    return EntryAttrs(stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime_ns // 10**9)


def _lstat(host: str) -> os.stat_result:
    """Return lstat(host); raise ImageError when it cannot be read."""
    try:
        return os.lstat(host)
    except OSError as e:
        raise ImageError(f"{host}: cannot read it ({e.strerror})") from e


def _sha256(data: bytes) -> str:
    """Return the hex sha256 of data."""
    return hashlib.sha256(data).hexdigest()


def _link_entry(guest: str, host: str, target: str | None = None) -> ImageEntry:
    """Return the entry of the host symbolic link host, placed at guest.

    target, when given, is its os.readlink() already read.
    """
    st = _lstat(host)
    if target is None:
        target = os.readlink(host)
    return ImageEntry(guest, "", _attrs(st), _sha256(os.fsencode(target)), link_target=target)


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
    inode = (st.st_dev, st.st_ino) if st.st_nlink > 1 else None
    return ImageEntry(guest, host, _attrs(st), facts["sha256"], inode=inode)


def _program_entry(program: str | os.PathLike[str], index: FileIndex) -> tuple[ImageEntry, ElfInfo]:
    """Return the image entry and ELF facts of program, from the index when unchanged."""
    real = os.path.realpath(program)
    st = _stat_regular(real)
    facts = index.get(real, st) if st else None
    if facts is None or "elf" not in facts:  # a file shipped before holds only its hash
        info = check_runnable(program)  # raises for every unusable path
        st = os.stat(real)
        facts = {"sha256": _sha256_file(real), "elf": _info_to_json(info)}
        index.put(real, st, facts)
    info = ElfInfo(**{**facts["elf"], "path": Path(program)})
    entry = ImageEntry(real, real, _attrs(st), facts["sha256"])
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
    """Return the content key of an image: the format, then each entry's path, kind,
    attributes (mode, owner, mtime), hash and, for a hard link, its group's first name."""
    entries = list(entries)
    groups = _hard_link_groups(entries)
    h = hashlib.sha256(IMAGE_FORMAT.encode() + b"\0")
    for e in sorted(entries, key=lambda e: e.guest_path):
        a = e.attrs
        group = min(groups.get(e.guest_path, ("",)))
        h.update(f"{e.guest_path}\0{e.kind}\0{a.perm:o}\0{a.uid}\0{a.gid}\0{a.mtime}\0"
                 f"{e.sha256}\0{group}\0".encode())
    return h.hexdigest()


def _hard_link_groups(entries: Iterable[ImageEntry]) -> dict[str, tuple[str, ...]]:
    """Return guest path -> every guest path of the same host file, in entry order.

    Only files with two names or more in the image are in it.
    """
    by_inode: dict[tuple[int, int], list[str]] = {}
    for e in entries:
        if e.inode is not None and e.kind == "f" and e.data is None:
            by_inode.setdefault(e.inode, []).append(e.guest_path)
    return {p: tuple(g) for g in by_inode.values() if len(g) > 1 for p in g}


def iter_parent_dirs(guest_paths: Iterable[str]) -> list[str]:
    """Return every folder above the guest paths, parents before children, once each."""
    dirs: dict[str, None] = {}
    for gp in guest_paths:
        for parent in reversed(PurePosixPath(gp).parents):
            if str(parent) != "/":
                dirs[str(parent)] = None
    return list(dirs)


def _write_image(path: Path, entries: list[ImageEntry]) -> None:
    """Write the cpio for entries to path, atomically: the root, folders, then the rest.

    A parent folder that is not an entry of its own gets GENERATED_DIR.
    """
    with atomic_output(path) as out, CpioWriter(out) as cpio:
        links = {e.guest_path for e in entries if e.link_target is not None}
        dirs = {e.guest_path: e.attrs for e in entries if e.is_dir}
        groups = _hard_link_groups(entries)
        inos: dict[tuple[str, ...], int] = {}
        cpio.add_dir("/", GENERATED_DIR)
        for d in iter_parent_dirs(e.guest_path for e in entries):
            if d not in links:
                cpio.add_dir(d, dirs.pop(d, GENERATED_DIR))
        for e in entries:
            if e.is_dir:
                if e.guest_path in dirs:  # not a parent of another entry
                    cpio.add_dir(e.guest_path, e.attrs)
            elif e.link_target is not None:
                cpio.add_symlink(e.guest_path, e.link_target, e.attrs)
            elif e.data is not None:
                cpio.add_file(e.guest_path, e.attrs, io.BytesIO(e.data), len(e.data))
            elif (group := groups.get(e.guest_path)) is None:
                _add_host_file(cpio, e)
            else:
                ino = inos.setdefault(group, cpio.new_ino())
                if e.guest_path != group[-1]:  # the data goes with the last name
                    cpio.add_file(e.guest_path, e.attrs, io.BytesIO(), 0, ino, len(group))
                else:
                    _add_host_file(cpio, e, ino, len(group))


def _add_host_file(cpio: CpioWriter, e: ImageEntry, ino: int | None = None,
                   nlink: int = 1) -> None:
    """Copy a host file into the archive; raise ImageError if its bytes changed since hashing."""
    with open(e.host_path, "rb") as f:
        src = _HashingReader(f)
        cpio.add_file(e.guest_path, e.attrs, src, os.fstat(f.fileno()).st_size, ino, nlink)
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


def make_manifest(guest_path: str, argv: list[str], env: list[str],
                  program: ProgramExtent | None = None) -> Manifest:
    """Return the manifest for one run, with this host's cwd, ttys, a fresh seed and the time.

    program says where guest_path's bytes are in the image (Image.program_extent).

    With RELAY_STDIN, stdin is relayed whenever our fd 0 is open (for
    /dev/null too: the relay then sends end-of-file at once).
    """
    return Manifest(
        path=guest_path,
        argv=list(argv),
        env=list(env),
        cwd=os.getcwd(),
        tty="".join("1" if os.isatty(fd) else "0" for fd in (0, 1, 2)),
        seed=os.urandom(SEED_BYTES).hex(),
        time_ns=time.time_ns(),
        stdin_relay=RELAY_STDIN and _is_open(0),
        winsize=_terminal_size(),
        term_modes=terminal.encode_modes(0) if RELAY_STDIN and os.isatty(0) else None,
        program=program,
    )


def _terminal_size() -> tuple[int, int] | None:
    """Return (rows, columns) of the first of our fds 1, 0, 2 that is a terminal, or None."""
    for fd in (1, 0, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        return size.lines, size.columns
    return None


def _is_open(fd: int) -> bool:
    """Return True when fd is an open file descriptor."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def encode_manifest(m: Manifest) -> bytes:
    """Return the manifest in the binary layout of docs/boot-protocol.md.

    Raises ImageError if a string contains a NUL byte, or if the whole is more
    than MANIFEST_MAX_BYTES.
    """
    fixed = [("path", m.path), ("cwd", m.cwd), ("hostname", m.hostname)]
    fixed += [("terminal modes", m.term_modes)] if m.term_modes else []
    strings = fixed + [("argument", a) for a in m.argv] + [("environment string", e) for e in m.env]
    arrays = 8 * (len(m.argv) + 1 + len(m.env) + 1)
    body = bytearray()
    addrs = []
    for what, value in strings:
        raw = os.fsencode(value)
        if b"\0" in raw:
            raise ImageError(f"{what} {value!r}: contains a NUL byte, which the manifest cannot carry")
        addrs.append(MANIFEST_VIRT + MANIFEST_HEADER.size + arrays + len(body))
        body += raw + b"\0"
    size = MANIFEST_HEADER.size + arrays + len(body)
    if size > MANIFEST_MAX_BYTES:
        raise ImageError(f"arguments and environment: {size} bytes, more than the {MANIFEST_MAX_BYTES} "
                         "the manifest can carry")
    flags = sum(1 << i for i, c in enumerate(m.tty) if c == "1") | (MANIFEST_STDIN_RELAY if m.stdin_relay else 0)
    rows, cols = (min(n, 0xFFFF) for n in m.winsize) if m.winsize else (0, 0)
    prog = m.program or ProgramExtent(0, 0, 0)
    path, cwd, hostname = addrs[:3]
    termios = addrs[3] if m.term_modes else 0
    argv = addrs[len(fixed):len(fixed) + len(m.argv)]
    env = addrs[len(fixed) + len(m.argv):]
    argv_at = MANIFEST_VIRT + MANIFEST_HEADER.size
    envp_at = argv_at + 8 * (len(argv) + 1)
    header = MANIFEST_HEADER.pack(MANIFEST_MAGIC, MANIFEST_VERSION, size, len(m.argv), len(m.env), flags,
                                  rows, cols, m.time_ns, bytes.fromhex(m.seed), prog.offset, prog.size,
                                  prog.mode, 0, MANIFEST_VIRT, path, cwd, hostname, termios, argv_at, envp_at)
    pointers = struct.pack(f"<{len(argv) + len(env) + 2}Q", *argv, 0, *env, 0)
    return header + pointers + bytes(body)
    return header + bytes(body)
