"""The guest's root filesystem: an initramfs, content-addressed and cached.

The initramfs holds the program at its absolute host path (symlinks
resolved), with its parent folders, and what its plan ships (loader/plan.py:
a dynamic program's interpreter, libraries and run-time files, the host's
/etc/ld.so.cache, the --with programs and what they bring, --file/--dir
paths at the guest path asked for). A `#!` script is shipped as a file and
its last interpreter, the ELF file the VM starts, takes the program's place
(loader/script.py). Every image gets the generated /etc files (loader/etc.py)
for the identity the program runs as, and a user other than root its home
folder. Shipped files, links and --dir folders keep their host mode, owner
and mtime; what the image makes up (the root, parent folders, /etc files, a
home) gets GENERATED_MTIME and root's ownership (a home its user's). It is
content-addressed: its name is a hash of a format version,
each entry's guest path, kind, attributes and contents, so the same program
is packaged once. Contents are hashed once per file
version: the hash and the ELF check are memoised by the file's stat in the
cache index, so a warm run reads no program bytes at all. What an image ships
besides the program (its plan: the closure, run-time files and --file/--dir
paths) is memoised too (loader/closure_cache.py): a warm run checks it with
stat calls and parses no ELF file. With the plan, the key of the last image
built from it is kept with the stat of every file it holds: while none
changed, a warm run makes no entries and reads no index.

What changes every run (argv, env, the seed, ...) is not in the image but in
the manifest (loader/manifest.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import posixpath
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from loader.cache import FileIndex, atomic_output, cache_dir
from loader.cache_lru import evict, get_cache_max, touch_image
from loader.closure_cache import Plan, PlanKey, Shipped, StoredPlan, get_plan, put_image
from loader.cpio import CpioWriter, EntryAttrs, find_first_file
from loader.elf import ElfInfo, check_runnable
from loader.errors import ImageError
from loader.etc import DEFAULT_HOSTNAME, get_etc_files
from loader.fstrace import StatKey, get_lstat_key, get_stat_key
from loader.hostfs import HostFs
from loader.identity import ROOT, Identity
from loader.manifest import ProgramExtent
from loader.plan import ExtraPath, make_plan
from loader.script import resolve_launch

IMAGE_FORMAT = "pkgload-image-4"  # bump when the archive layout changes
# The mtime of everything the image makes up rather than ships: fixed, so the
# same entries give the same image (2024-01-01 00:00:00 UTC).
GENERATED_MTIME = 1704067200
GENERATED_DIR = EntryAttrs(0o755, 0, 0, GENERATED_MTIME)
# A parent folder the image makes up for a shipped path (--file /tmp/x) that
# the kernel would otherwise make itself keeps the kernel's mode: every user
# may write in /tmp (mode 1777, as on Linux).
GENERATED_MODES = {"/tmp": 0o1777}


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
class Image:
    """A root filesystem image ready to boot, and the program inside it."""

    path: Path  # the cpio file
    key: str
    program: ElfInfo  # the ELF file the VM starts: PROGRAM, or a script's interpreter
    guest_path: str  # where that file is inside the image
    built: bool  # False when it came from the cache
    program_extent: ProgramExtent | None = None  # where its bytes are in the cpio
    argv_prefix: tuple[str, ...] | None = None  # a script's argv before PROGRAM's arguments
    memory_mib: int | None = None  # the default -m its runtime's hint asks for (None: pkgload's)

    def get_argv(self, program: str, args: list[str] | tuple[str, ...]) -> list[str]:
        """Return the argv the VM starts with for `pkgload run program args`.

        PROGRAM as typed, then args; for a script, what Linux's binfmt_script
        gives: the interpreter, its argument, the script's guest path, then args.
        """
        return [*self.argv_prefix, *args] if self.argv_prefix is not None else [program, *args]


def build_image(
    program: str | os.PathLike[str],
    cache: Path | None = None,
    extra: Iterable[ExtraPath] = (),
    ld_library_path: str | None = None,
    accel: str = "tcg",
    withs: Iterable[str] = (),
    identity: Identity = ROOT,
    cache_max: int | None = None,
) -> Image:
    """Check program and return its root filesystem image, building it if not cached.

    ld_library_path is the LD_LIBRARY_PATH the program's libraries are
    looked up with (default: none); accel ("tcg" or "kvm") what the image
    boots under, whose CPU decides which library variants ld.so takes;
    withs the --with programs (names looked up on the host's PATH);
    identity who the program runs as (its /etc/passwd, /etc/group, home);
    cache_max the cache's limit in bytes (default: get_cache_max()), down to
    which the least recently used entries go after a new image is stored.
    Raises ElfFormatError when program is not a runnable x86-64 ELF file or
    `#!` script (ScriptError), or a --with name is not on PATH
    (ProgramNotFound), MissingLibrary when a library it needs cannot be
    found, and ImageError when an extra path is unreadable or the cache
    cannot be written.
    """
    cache = cache or cache_dir()
    extra = list(extra)
    pkey = _plan_key(program, extra, ld_library_path, accel, tuple(withs))
    stored = get_plan(cache, pkey)
    if stored is not None and (img := _get_unchanged_image(program, stored, cache,
                                                           identity)) is not None:
        return img
    program_real = os.path.realpath(program)
    program_stat = get_stat_key(program_real)  # before it is read, as below
    launch = resolve_launch(os.fspath(program), HostFs())
    index = FileIndex(cache / "index.json")
    entry, info = _program_entry(launch.boot, index)
    if stored is None or stored.dynamic != info.is_dynamic or stored.launch != launch:
        stored = make_plan(program, launch, info.is_dynamic, extra, pkey)
    shipped_stats = _get_shipped_stats(stored.plan)
    entries = _make_entries(entry, stored, index, identity)
    key = image_key(entries.values())
    path = cache / "images" / f"{key}.cpio"
    try:
        built = not touch_image(cache, path)
        index.save()
        if built:
            _write_image(path, list(entries.values()))
            evict(cache, get_cache_max() if cache_max is None else cache_max)
        extent = _find_program_extent(path, entry.guest_path)
        image = {"key": key, "guest_path": entry.guest_path, "elf": _info_to_json(info),
                 "program_real": program_real, "program_stat": program_stat,
                 "argv_prefix": launch.argv_prefix, "identity": dataclasses.astuple(identity),
                 "program_extent": extent and dataclasses.astuple(extent), **shipped_stats}
        put_image(cache, pkey, stored, image)
    except OSError as e:
        raise _cache_error(e, cache) from e
    return Image(path=path, key=key, program=info, guest_path=entry.guest_path, built=built,
                 program_extent=extent, argv_prefix=launch.argv_prefix,
                 memory_mib=stored.plan.memory_mib)


def _plan_key(program: str | os.PathLike[str], extra: list[ExtraPath], ld_library_path: str | None,
              accel: str, withs: tuple[str, ...]) -> PlanKey:
    """Return the plan's key; the host's PATH is in it when a --with name is looked up there."""
    path = os.environ.get("PATH", os.defpath) if any("/" not in w for w in withs) else None
    return PlanKey(os.fspath(program), ld_library_path,
                   tuple((x.host_path, x.guest_path) for x in extra), accel, withs, path)


def _make_entries(program: ImageEntry, stored: StoredPlan, index: FileIndex,
                  identity: Identity) -> dict[str, ImageEntry]:
    """Return the image's entries by guest path: the program first, the plan's, /etc, a home.

    What the programs bring never replaces an entry; --file and --dir do.
    """
    entries = {program.guest_path: program}
    for item in stored.plan.closure:
        entries.setdefault(item.guest_path, _entry_of(item, index))
    for guest, data in get_etc_files(DEFAULT_HOSTNAME, identity).items():
        attrs = dataclasses.replace(GENERATED_DIR, perm=0o644)
        entries.setdefault(guest, ImageEntry(guest, "", attrs, _sha256(data), data=data))
    if identity.has_own_home:
        attrs = EntryAttrs(0o755, identity.uid, identity.gid, GENERATED_MTIME)
        entries.setdefault(identity.home, ImageEntry(identity.home, "", attrs, "", is_dir=True))
    for item in stored.plan.extra:
        entry = _entry_of(item, index)
        guest = resolve_parent_links(item.guest_path, entries)
        entries[guest] = dataclasses.replace(entry, guest_path=guest)
    return entries


def resolve_parent_links(guest_path: str, entries: dict[str, ImageEntry]) -> str:
    """Return guest_path with each folder above it that is a symlink of the image followed.

    A --file at /bin/sh in an image where /bin is a link to usr/bin (a
    merged-/usr host's program brought the link) lands at /usr/bin/sh, as a
    copy to /bin/sh would on that host; a name under a link is no entry a
    cpio can hold.
    """
    parts = PurePosixPath(guest_path).parts[1:]
    current = "/"
    for name in parts[:-1]:
        candidate = posixpath.join(current, name)
        for _ in range(40):  # a loop of links is left as it is
            link = entries.get(candidate)
            if link is None or link.link_target is None:
                break
            candidate = posixpath.normpath(posixpath.join(posixpath.dirname(candidate), link.link_target))
        current = candidate
    return posixpath.join(current, parts[-1]) if parts else guest_path


def _find_program_extent(image_path: Path, guest_path: str) -> ProgramExtent | None:
    """Return where the program's bytes are in the image: its first file (_write_image)."""
    first = find_first_file(image_path)
    if first is None or "/" + first.name != guest_path:
        return None
    return ProgramExtent(first.offset, first.size, first.mode)


def _get_unchanged_image(program: str | os.PathLike[str], stored: StoredPlan,
                         cache: Path, identity: Identity) -> Image | None:
    """Return the image last built from stored's plan if no file it holds changed, else None.

    The image's key is a function of the program's real path, of each shipped
    file's stat (attributes; contents by the index's rule), of the identity
    and of the plan, so unchanged stats give the same key without making its
    entries again. A script's first line is in its stat, and its
    interpreters are shipped files.
    """
    last = stored.image
    if last is None or os.path.realpath(program) != last["program_real"]:
        return None
    if get_stat_key(last["program_real"]) != last["program_stat"] or last["program_stat"] is None:
        return None
    if last["identity"] != list(dataclasses.astuple(identity)):
        return None
    if any(get_stat_key(p) != k for p, k in last["stats"].items()):
        return None
    if any(get_lstat_key(p) != k for p, k in last["lstats"].items()):
        return None
    path = cache / "images" / f"{last['key']}.cpio"
    try:
        if not touch_image(cache, path):  # its last use is now: not evicted while it boots
            return None
    except OSError:
        return None  # no lock file: the cold path says why
    prefix = last["argv_prefix"]
    info = ElfInfo(**{**last["elf"], "path": Path(program if prefix is None else stored.launch.boot)})
    extent = last.get("program_extent")
    return Image(path=path, key=last["key"], program=info, guest_path=last["guest_path"],
                 built=False, program_extent=extent and ProgramExtent(*extent),
                 argv_prefix=None if prefix is None else tuple(prefix),
                 memory_mib=stored.plan.memory_mib)


def _get_shipped_stats(plan: Plan) -> dict[str, dict[str, StatKey]]:
    """Return the stat keys of what plan ships: files followed, links and folders not.

    Taken before the entries are made, so that a file changed meanwhile
    shows as changed next time rather than being remembered as it is now.
    """
    stats: dict[str, StatKey] = {}
    lstats: dict[str, StatKey] = {}
    for item in (*plan.closure, *plan.extra):
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

    A parent folder that is not an entry of its own gets GENERATED_DIR, with
    GENERATED_MODES' mode for the folders the kernel would make.
    """
    with atomic_output(path) as out, CpioWriter(out) as cpio:
        links = {e.guest_path for e in entries if e.link_target is not None}
        dirs = {e.guest_path: e.attrs for e in entries if e.is_dir}
        groups = _hard_link_groups(entries)
        inos: dict[tuple[str, ...], int] = {}
        cpio.add_dir("/", GENERATED_DIR)
        for d in iter_parent_dirs(e.guest_path for e in entries):
            if d not in links:
                generated = dataclasses.replace(GENERATED_DIR, perm=GENERATED_MODES.get(d, 0o755))
                cpio.add_dir(d, dirs.pop(d, generated))
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
