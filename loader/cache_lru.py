"""The cache's size limit: its entries, their last use, and least-recently-used eviction.

An entry is one file of images/ (a root filesystem), closures/ (an image's
plan) or scan/ (what `pkgload analyze` found in one ELF file); its mtime is
its last use, set when it is stored and touched at every hit. After a run
stores a new image, entries are removed oldest first until their total is at
most the limit (PKGLOAD_CACHE_MAX, default 2 GiB). Other files (index.json,
last-run.log, tools/bench's folder) count apart and are removed only by
clear(). A lock file serialises evictions against each other and against the
touch of an image found by a run; an entry used in the last GRACE_S seconds
is never evicted, so an image a run just found or stored is still there when
QEMU opens it (once open, deleting it is harmless on Linux).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loader.cpio import find_first_file

CACHE_MAX_ENV = "PKGLOAD_CACHE_MAX"
DEFAULT_CACHE_MAX = 2 << 30  # 2 GiB
GRACE_S = 60.0  # an entry used this recently is in use: a run may be about to boot it
STALE_TMP_S = 3600.0  # a temporary file this old was left by a run that died
LOCK_NAME = "lock"
ENTRY_FOLDERS = {"images": "image", "closures": "plan", "scan": "scan"}
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"\s*(\d+)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One evictable file of the cache."""

    kind: str  # "image", "plan" or "scan"
    path: Path
    size: int  # bytes
    last_used: float  # its mtime, seconds since the epoch


@dataclass(frozen=True)
class Usage:
    """What the cache holds: its entries, newest first, and the bytes of its other files."""

    entries: list[Entry]
    other_size: int

    @property
    def size(self) -> int:
        """Return the bytes the entries take (what the limit bounds)."""
        return sum(e.size for e in self.entries)


def parse_size(text: str) -> int:
    """Return the bytes of a size: 1000, 512K, 64M, 2G, 1TiB (units of 1024).

    Raises ValueError when text is not such a size.
    """
    m = _SIZE.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r}: not a size, use bytes or a number with K, M, G or T")
    return int(m.group(1)) * _UNITS[m.group(2).upper()]


def get_cache_max(environ: Mapping[str, str] = os.environ) -> int:
    """Return the cache's limit in bytes: $PKGLOAD_CACHE_MAX, else 2 GiB.

    An empty value counts as unset. Raises ValueError naming the variable
    when its value is no size.
    """
    value = environ.get(CACHE_MAX_ENV, "")
    if not value.strip():
        return DEFAULT_CACHE_MAX
    try:
        return parse_size(value)
    except ValueError as e:
        raise ValueError(f"{CACHE_MAX_ENV}={e}") from e


@contextmanager
def cache_lock(cache: Path, shared: bool = False) -> Iterator[None]:
    """Hold the cache's lock file (flock), shared or exclusive, for the block."""
    cache.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def touch_image(cache: Path, path: Path) -> bool:
    """Mark an image as used now; return False when it is not there (evicted or never stored).

    Under the shared lock, so an eviction that already chose it cannot
    remove it after it was found.
    """
    try:
        with cache_lock(cache, shared=True):
            os.utime(path)
    except FileNotFoundError:
        return False
    return True


def touch(path: Path) -> None:
    """Mark a plan or scan entry as used now; a missing one (just evicted) is no error."""
    try:
        os.utime(path)
    except OSError:
        pass


def get_usage(cache: Path) -> Usage:
    """Return the cache's entries, most recently used first, and the size of everything else."""
    entries: list[Entry] = []
    other = 0
    for root, _, files in os.walk(cache):
        kind = ENTRY_FOLDERS.get(os.path.relpath(root, cache))
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue  # removed meanwhile
            if kind and not name.startswith("."):
                entries.append(Entry(kind, Path(root, name), st.st_size, st.st_mtime))
            else:
                other += st.st_size
    entries.sort(key=lambda e: e.last_used, reverse=True)
    return Usage(entries, other)


def evict(cache: Path, limit: int, now: float | None = None) -> list[Entry]:
    """Remove least-recently-used entries until they total at most limit bytes; return them.

    Entries used in the last GRACE_S seconds stay even over the limit, and
    temporary files older than STALE_TMP_S go. Takes the lock itself.
    """
    now = time.time() if now is None else now
    removed: list[Entry] = []
    with cache_lock(cache):
        _remove_stale_tmp(cache, now)
        usage = get_usage(cache)
        total = usage.size
        for entry in reversed(usage.entries):  # oldest first
            if total <= limit or entry.last_used > now - GRACE_S:
                break
            _unlink(entry.path)
            total -= entry.size
            removed.append(entry)
    return removed


def clear(cache: Path) -> int:
    """Remove everything in the cache but its lock file; return the bytes freed."""
    with cache_lock(cache):
        usage = get_usage(cache)
        freed = usage.size + usage.other_size
        for child in cache.iterdir():
            if child.name == LOCK_NAME:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                _unlink(child)
    return freed


def get_entry_name(entry: Entry) -> str:
    """Return what an entry is for: an image's program, a plan's program, a scan's file."""
    try:
        if entry.kind == "image":
            first = find_first_file(entry.path)  # the program (image.py writes it first)
            return "/" + first.name if first else "?"
        data = json.loads(entry.path.read_bytes())
        if entry.kind == "plan":
            return str(data["key"]["program"])
        return str(data["key"][1])  # scan.py's key: [version, real path, ...]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return "?"


def _remove_stale_tmp(cache: Path, now: float) -> None:
    """Remove atomic_output's temporary files left by runs that died."""
    for folder in ENTRY_FOLDERS:
        try:
            names = os.listdir(cache / folder)
        except OSError:
            continue
        for name in names:
            path = cache / folder / name
            if name.startswith(".") and name.endswith(".tmp"):
                try:
                    if path.lstat().st_mtime < now - STALE_TMP_S:
                        _unlink(path)
                except OSError:
                    pass


def _unlink(path: Path) -> None:
    """Remove a file; one already gone is fine."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
