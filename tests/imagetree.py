"""An image's tree recreated on the host, for comparing a guest listing with a native one.

The reader is independent of loader.cpio: it parses the newc archive the guest
boots and recreates each entry under a host folder with the archive's mode,
owner and mtime (whole seconds), so `ls -la` of a folder there shows what the
guest's kernel should show for the same folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Folders the kernel adds under the root when the archive has none (docs/kernel.md).
KERNEL_DIRS = ("tmp", "dev", "proc", "sys")


@dataclass(frozen=True)
class NewcEntry:
    """One archive entry: its name as stored ("." for the root) and its header fields."""

    name: str
    ino: int
    mode: int
    uid: int
    gid: int
    mtime: int
    nlink: int
    data: bytes


def iter_newc(data: bytes) -> Iterator[NewcEntry]:
    """Yield the entries of a newc archive, up to its trailer."""
    pos = 0
    while True:
        assert data[pos : pos + 6] == b"070701", f"bad magic at {pos}"
        f = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = f[11], f[6]
        name = data[pos + 110 : pos + 110 + namesize - 1].decode()
        body = (pos + 110 + namesize + 3) & ~3
        if name == "TRAILER!!!":
            return
        yield NewcEntry(name, f[0], f[1], f[2], f[3], f[5], f[4], data[body : body + filesize])
        pos = (body + filesize + 3) & ~3


def materialise(archive: Path, root: Path) -> None:
    """Recreate the image archive under root, with the kernel's own top folders.

    Must run as root (it chowns). Attributes are set once everything exists,
    since creating a folder's contents changes its mtime. Files whose entries
    share an inode number (nlink > 1) become hard links of one file.
    """
    entries = list(iter_newc(archive.read_bytes()))
    names = {e.name for e in entries}
    for name in KERNEL_DIRS:
        if name not in names:
            (root / name).mkdir(parents=True)
    first_name: dict[int, Path] = {}
    for e in entries:
        path = root / e.name
        if stat.S_ISDIR(e.mode):
            path.mkdir(parents=True, exist_ok=True)
        elif stat.S_ISLNK(e.mode):
            os.symlink(os.fsdecode(e.data), path)
        elif e.nlink > 1 and e.ino in first_name:
            os.link(first_name[e.ino], path)
            if e.data:
                path.write_bytes(e.data)
        else:
            path.write_bytes(e.data)
            first_name.setdefault(e.ino, path)
    for e in entries:
        _set_attrs(root / e.name, e)


def _set_attrs(path: Path, e: NewcEntry) -> None:
    """Give path the entry's owner, mode and mtime (chown first: it clears setuid)."""
    os.chown(path, e.uid, e.gid, follow_symlinks=False)
    if not stat.S_ISLNK(e.mode):
        os.chmod(path, stat.S_IMODE(e.mode))
    os.utime(path, (e.mtime, e.mtime), follow_symlinks=False)
