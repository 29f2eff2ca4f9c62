"""The host's files as packaging reads them: every look is recorded as it is made.

A plan (what an image ships: loader/plan.py) is memoised with what computing
it looked at (loader/fstrace.py), and is used again only while none of that
changed. The code that computes a plan reads the host only through a HostFs,
whose methods tell its trace what each answer depends on before looking, so
nothing read can be left out of the record (tests/host/test_hostfs.py checks
that the planning modules make no file call of their own). Without a trace
a HostFs is plain os calls.

What each look records:

- read, open, stat, is_file, is_dir: the file's stat key (symlinks followed);
- kind, readlink: only what the name is (its kind, a link's target);
- mode: the name's st_mode (kind and permission bits, not timestamps);
- listdir, walk: each folder listed, which covers the names in it;
- absolute: that a relative path was taken from the current folder.

parsed() keeps what a parser made of a file for the HostFs's lifetime (one
plan): resolving several programs parses libc and its friends once, and the
file's first read is what the trace recorded.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

from loader.fstrace import FsTrace

_KINDS = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l"}
T = TypeVar("T")


class HostFs:
    """Host files read through one object that records what it read."""

    def __init__(self, trace: FsTrace | None = None) -> None:
        self.trace = trace
        self._parsed: dict[tuple[str, str], Any] = {}

    def parsed(self, what: str, path: str, parse: Callable[[], T]) -> T:
        """Return parse(), run once per (what, path) for this HostFs; its errors are not kept."""
        key = (what, path)
        if key not in self._parsed:
            self._parsed[key] = parse()
        return self._parsed[key]  # type: ignore[no-any-return]

    def read(self, path: str, size: int = -1) -> bytes:
        """Return the first size bytes of path (all with -1); raise OSError as open does."""
        with self.open(path) as f:
            return f.read(size)

    def open(self, path: str) -> BinaryIO:
        """Open path for reading bytes (for a parser that reads as it goes)."""
        if self.trace is not None:
            self.trace.note_read(path)
        return open(path, "rb")

    def stat(self, path: str) -> os.stat_result | None:
        """Return the stat of path (symlinks followed), or None when it cannot be had."""
        if self.trace is not None:
            self.trace.note_read(path)
        try:
            return os.stat(path)
        except OSError:
            return None

    def is_file(self, path: str) -> bool:
        """Return True when path is a regular file (symlinks followed)."""
        st = self.stat(path)
        return st is not None and stat.S_ISREG(st.st_mode)

    def is_dir(self, path: str) -> bool:
        """Return True when path is a folder (symlinks followed)."""
        st = self.stat(path)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def kind(self, path: str) -> str | None:
        """Return what the name path is: "f" file, "d" folder, "l" link, "o" other, None absent."""
        if self.trace is not None:
            self.trace.note_lookup(path)
        try:
            return _KINDS.get(stat.S_IFMT(os.lstat(path).st_mode), "o")
        except OSError:
            return None

    def mode(self, path: str) -> int | None:
        """Return the st_mode of the name path (not following a link), or None when absent."""
        if self.trace is not None:
            self.trace.note_mode(path)
        try:
            return os.lstat(path).st_mode
        except OSError:
            return None

    def readlink(self, path: str) -> str | None:
        """Return the target of the symbolic link path, or None when path is not one."""
        if self.trace is not None:
            self.trace.note_lookup(path)
        try:
            return os.readlink(path)
        except OSError:
            return None

    def listdir(self, folder: str) -> list[str]:
        """Return the names in folder, sorted; none when it cannot be listed."""
        if self.trace is not None:
            self.trace.note_listing(folder)
        try:
            return sorted(os.listdir(folder))
        except OSError:
            return []

    def walk(self, top: str) -> Iterator[tuple[str, list[str], list[str]]]:
        """Yield os.walk(top)'s (folder, subfolders, files), each folder listed in the record.

        Symbolic links to folders are among the subfolders and not entered;
        the caller may prune the subfolders in place, as with os.walk.
        """
        if self.trace is not None:
            self.trace.note_listing(top)
        for root, dirs, files in os.walk(top):
            if self.trace is not None:
                self.trace.note_listing(root)
            yield root, dirs, files

    def cwd(self) -> str:
        """Return the current folder (a relative path taken from it is recorded by absolute)."""
        return os.getcwd()

    def absolute(self, path: str, cwd: str) -> str:
        """Return path joined to cwd when relative (not normalised), recording that use."""
        if path.startswith("/"):
            return path
        if self.trace is not None:
            self.trace.note_cwd()
        return posixpath.join(cwd, path)
