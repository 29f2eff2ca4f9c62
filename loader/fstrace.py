"""What a computation on host files depended on, so that its result can be memoised.

An FsTrace is told, by the HostFs it reads through (loader/hostfs.py), what
each look at the host's files depended on, before the look:

- note_read(path): the file or folder at path (symlinks followed), its bytes
  or stat; kept as its stat key (cache.stat_key, None when absent), so that a
  changed, replaced, added or removed file shows.
- note_listing(folder): the names in a folder (os.walk, os.listdir); kept as
  the folder's stat key: adding, removing, renaming or replacing an entry
  changes its mtime. Names looked up in a listed folder need no note of their own.
- note_lookup(path): only what the name path is, not what a file holds: its
  kind (from lstat) and, for a symlink, its target. No timestamps, so a busy
  folder on the way (/tmp, a home folder) does not make the memo stale.
- note_mode(path): what the name path is and its permission bits (lstat's
  st_mode), not its timestamps: whether a file in a listed folder is
  executable (a chmod changes no folder's mtime, a write no file's mode).
- note_cwd(): a relative path was taken from the current folder.

A result stays true while has_changed() says no. Timestamps have a clock
tick's resolution, so a file changed in the same tick as it was stat'ed would
look unchanged afterwards: a trace that saw a stat key changed since shortly
before it started is racy and must not be memoised (git's "racy clean"
problem).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Mapping

from loader.cache import stat_key

StatKey = list[int] | None  # cache.stat_key, None when the path does not exist
NameKey = list[int | str] | None  # [S_IFMT of lstat, link target or ""], None when absent
RACY_NS = 100_000_000  # a change this close before the trace started may be missed


class FsTrace:
    """The host paths one computation depended on, with their keys when first seen."""

    def __init__(self) -> None:
        self.keys: dict[str, StatKey] = {}  # files read, folders listed
        self.names: dict[str, NameKey] = {}  # names looked up outside listed folders
        self.modes: dict[str, int | None] = {}  # lstat st_mode of names whose mode was read
        self.listed: set[str] = set()
        self.uses_cwd = False
        self.start_ns = time.time_ns()

    def note_read(self, path: str) -> None:
        """Record the stat key of path (symlinks followed)."""
        path = self._abs(path)
        if path not in self.keys:
            self.keys[path] = get_stat_key(path)

    def note_listing(self, folder: str) -> None:
        """Record the stat key of a folder whose names are read."""
        folder = self._abs(folder)
        self.note_read(folder)
        self.listed.add(folder)

    def note_lookup(self, path: str) -> None:
        """Record what is at the name path: its kind and link target."""
        path = self._abs(path)
        if path not in self.names and os.path.dirname(path) not in self.listed:
            self.names[path] = get_name_key(path)

    def note_mode(self, path: str) -> None:
        """Record the st_mode of the name path (lstat), None when absent."""
        path = self._abs(path)
        if path not in self.modes:
            self.modes[path] = get_mode_key(path)

    def note_cwd(self) -> None:
        """Record that a relative path was taken from the current folder."""
        self.uses_cwd = True

    def is_racy(self) -> bool:
        """Return True when a stat key recorded changed too close to the trace's start."""
        since = self.start_ns - RACY_NS
        return any(k is not None and k[2] >= since for k in self.keys.values())

    def _abs(self, path: str) -> str:
        """Return path made absolute; note that the current folder was used."""
        if path.startswith("/"):
            return path
        self.uses_cwd = True
        return os.path.join(os.getcwd(), path)


def get_stat_key(path: str) -> StatKey:
    """Return stat_key of path (symlinks followed), or None when it cannot be stat'ed."""
    try:
        return stat_key(os.stat(path))
    except OSError:
        return None


def get_lstat_key(path: str) -> StatKey:
    """Return stat_key of path itself (a symlink not followed), or None when absent."""
    try:
        return stat_key(os.lstat(path))
    except OSError:
        return None


def get_name_key(path: str) -> NameKey:
    """Return [S_IFMT, link target or ""] of the name path (lstat), or None when absent."""
    try:
        mode = stat.S_IFMT(os.lstat(path).st_mode)
        return [mode, os.readlink(path) if stat.S_ISLNK(mode) else ""]
    except OSError:
        return None


def get_mode_key(path: str) -> int | None:
    """Return the st_mode of the name path (lstat), or None when absent."""
    try:
        return os.lstat(path).st_mode
    except OSError:
        return None


def has_changed(keys: Mapping[str, StatKey], names: Mapping[str, NameKey],
                modes: Mapping[str, int | None] | None = None) -> bool:
    """Return True when a path's stat key, a name's key or a mode differs from the one recorded."""
    return (any(get_stat_key(path) != key for path, key in keys.items())
            or any(get_name_key(path) != key for path, key in names.items())
            or any(get_mode_key(path) != key for path, key in (modes or {}).items()))
