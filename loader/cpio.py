"""A writer for cpio archives in the "newc" format (the Linux initramfs format).

Each entry is a 110-byte ASCII header ("070701" then 13 eight-digit hex
fields), the NUL-terminated name padded to 4 bytes, then the data padded to
4 bytes. The archive ends with an entry named "TRAILER!!!". Names are stored
without a leading "/", as Linux's gen_init_cpio does; the root folder itself
is named ".". Each entry carries its mode, owner and mtime (whole seconds:
newc has no nanoseconds).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Protocol

from loader.errors import ImageError

NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"
U32_MAX = 0xFFFFFFFF


@dataclass(frozen=True)
class EntryAttrs:
    """What an entry carries besides its name and data: permissions, owner, mtime."""

    perm: int  # permission bits with setuid, setgid and sticky, e.g. 0o4755
    uid: int = 0
    gid: int = 0
    mtime: int = 0  # seconds since the epoch; stored clamped to newc's 0 .. 2**32-1


class Readable(Protocol):
    """Anything with a binary read(n), like an open file."""

    def read(self, n: int = -1, /) -> bytes: ...


def _pad4(n: int) -> bytes:
    """Return the NUL bytes that pad a length of n to a multiple of 4."""
    return b"\0" * (-n % 4)


class CpioWriter:
    """Write a newc archive to a binary stream; use it with `with`.

    Entries get inode numbers 1, 2, ... in order and the attributes they are
    given, so the same entries always give the same bytes.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._ino = 0

    def __enter__(self) -> CpioWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()

    def new_ino(self) -> int:
        """Return a fresh inode number, for the entries of a hard-linked file to share."""
        self._ino += 1
        return self._ino

    def _header(self, name: str, mode: int, size: int, nlink: int,
                attrs: EntryAttrs | None = None, ino: int | None = None) -> None:
        """Write one entry's header and padded name ("/" is written as ".")."""
        ino = ino or self.new_ino()
        a = attrs or EntryAttrs(0)
        mode |= a.perm & 0o7777
        raw_name = (name.lstrip("/") or ".").encode() + b"\0"
        mtime = min(max(a.mtime, 0), U32_MAX)
        fields = (ino, mode, a.uid, a.gid, nlink, mtime, size, 0, 0, 0, 0,
                  len(raw_name), 0)
        head = NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)
        self._out.write(head + raw_name + _pad4(len(head) + len(raw_name)))

    def add_dir(self, name: str, attrs: EntryAttrs = EntryAttrs(0o755)) -> None:
        """Add a directory entry; name "/" is the root folder itself."""
        self._header(name, stat.S_IFDIR, 0, 2, attrs)

    def add_symlink(self, name: str, target: str, attrs: EntryAttrs = EntryAttrs(0o777)) -> None:
        """Add a symbolic link entry: mode S_IFLNK|perm, data the target."""
        raw = os.fsencode(target)
        self._header(name, stat.S_IFLNK, len(raw), 1, attrs)
        self._out.write(raw + _pad4(len(raw)))

    def add_file(self, name: str, attrs: EntryAttrs, src: Readable, size: int,
                 ino: int | None = None, nlink: int = 1) -> None:
        """Add a regular file of size bytes read from src.

        The names of a hard-linked file share ino (from new_ino) and nlink, the
        number of names; as GNU cpio writes them, only the last has the data.

        Raises ImageError when the file is too big for newc (4 GiB) or its
        size changed while it was copied.
        """
        if size >= 1 << 32:
            raise ImageError(f"{name}: {size} bytes, too big for a cpio newc archive")
        self._header(name, stat.S_IFREG, size, nlink, attrs, ino)
        before = self._out.tell()
        shutil.copyfileobj(src, self._out)
        if self._out.tell() - before != size:
            raise ImageError(f"{name}: file changed while it was archived, try again")
        self._out.write(_pad4(size))

    def close(self) -> None:
        """Write the trailer entry; the archive is complete after this."""
        self._header(TRAILER, 0, 0, 1)


@dataclass(frozen=True)
class FileExtent:
    """Where a regular file's bytes are in an archive, and its mode."""

    name: str  # as stored: no leading "/"
    offset: int  # of the data, from the archive's start
    size: int
    mode: int  # st_mode


_HEADER_LEN = 110


def find_first_file(path: str | os.PathLike[str]) -> FileExtent | None:
    """Return the extent of the archive's first entry that is not a folder, if it is a regular file.

    Reads headers from the start, skipping data: the folders come first, so
    this reads a few kilobytes even of a large image. Returns None at the
    trailer or on a header that is not newc.
    """
    with open(path, "rb") as f:
        offset = 0
        while True:
            f.seek(offset)
            header = f.read(_HEADER_LEN)
            if len(header) < _HEADER_LEN or header[:6] not in (NEWC_MAGIC, b"070702"):
                return None
            fields = [int(header[6 + 8 * i : 14 + 8 * i], 16) for i in range(13)]
            mode, size, namesize = fields[1], fields[6], fields[11]
            name = f.read(namesize).rstrip(b"\0").decode("utf-8", "surrogateescape")
            data = offset + _HEADER_LEN + namesize + (-(_HEADER_LEN + namesize) % 4)
            if name == TRAILER:
                return None
            if not stat.S_ISDIR(mode):
                return FileExtent(name, data, size, mode) if stat.S_ISREG(mode) else None
            offset = data + size + (-size % 4)
