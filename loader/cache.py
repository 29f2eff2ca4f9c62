"""The host cache: where it lives, atomic writes, and facts memoised per file.

Layout under ${XDG_CACHE_HOME:-~/.cache}/pkgload/:

    images/<sha256>.cpio   root filesystem images, named by their content key
    closures/<key>.json    image plans (loader/closure_cache.py)
    scan/<hash>.json       syscall scans of ELF files (loader/scan.py)
    index.json             per host file: its stat, sha256 and ELF facts
    last-run.log           the kernel log of the latest `pkgload run`
    lock                   flock'd around evictions (loader/cache_lru.py bounds the size)
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

INDEX_VERSION = 2  # bump when what the index stores changes meaning
INDEX_MAX_ENTRIES = 65536


def cache_dir() -> Path:
    """Return pkgload's cache folder (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec says to ignore relative values
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pkgload"


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file that replaces path only when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def stat_key(st: os.stat_result) -> list[int]:
    """Return what must not change for memoised facts about a file to stay true."""
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class FileIndex:
    """Facts about host files, memoised by (path, size, mtime, ctime, inode, device).

    Read when made; save() writes changes atomically. A damaged or
    old-version index is treated as empty.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._files: dict[str, dict[str, Any]] = self._load()
        self._dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        """Read the index file; return {} when it is missing, damaged or old."""
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
            return {}
        files = data.get("files")
        return files if isinstance(files, dict) else {}

    def get(self, file: str, st: os.stat_result) -> dict[str, Any] | None:
        """Return the facts stored for file, or None if unknown or changed since."""
        entry = self._files.get(file)
        if not isinstance(entry, dict) or entry.get("stat") != stat_key(st):
            return None
        return entry.get("facts")

    def put(self, file: str, st: os.stat_result, facts: dict[str, Any]) -> None:
        """Remember facts (JSON-serialisable) about file as it is in st."""
        self._files.pop(file, None)  # re-insert: the dict's order is the age
        self._files[file] = {"stat": stat_key(st), "facts": facts}
        while len(self._files) > INDEX_MAX_ENTRIES:
            del self._files[next(iter(self._files))]
        self._dirty = True

    def save(self) -> None:
        """Write the index if it changed."""
        if not self._dirty:
            return
        data = json.dumps({"version": INDEX_VERSION, "files": self._files})
        with atomic_output(self.path) as f:
            f.write(data.encode())
        self._dirty = False
