"""What the programs of an image bring with them, so that any of them can be exec'd.

PROGRAM is started by the VM; a shell or a make it runs may exec others: a
--with program, an ELF file of a --file or --dir, a script's interpreter.
Each brings what ld.so and the kernel will open to run it, as PROGRAM does:
the symbolic links on the path it is named by, its file, a `#!` script's
interpreters (loader/script.py), an ELF file's library closure and run-time
files (loader/deps). find_program looks a name up on a PATH as execvp does.
Host files are read through one HostFs, so a plan records everything looked at.
"""

from __future__ import annotations

import posixpath
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from loader.closure_cache import Shipped
from loader.errors import ElfFormatError, MissingLibrary, ProgramNotFound, ScriptError
from loader.etc import DEFAULT_PATH
from loader.hostfs import HostFs
from loader.script import ELF_MAGIC, Launch, resolve_launch

# A file found in a --dir is looked at when it could be run or loaded: an
# execute bit, or a shared object's name (libfoo.so, libfoo.so.1.2).
_SHARED_OBJECT = re.compile(r"\.so(\.[0-9.]+)?$")


def find_program(name: str, path_env: str | None, fs: HostFs) -> str:
    """Return the host path of a --with NAME_OR_PATH, as execvp finds it on path_env.

    A name with a slash is a path (made absolute from the current folder);
    any other is looked for in each folder of path_env in order, the first
    regular file with an execute bit winning. Raises ProgramNotFound.
    """
    if "/" in name:
        path = posixpath.normpath(fs.absolute(name, fs.cwd()))
        if not fs.is_file(path):
            raise ProgramNotFound(f"{name}: no such program file")
        return path
    for folder in (path_env or "").split(":"):
        cand = posixpath.join(fs.absolute(folder or ".", fs.cwd()), name)
        st = fs.stat(cand)
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
            return posixpath.normpath(cand)
    raise ProgramNotFound(f"{name}: not found on the host's PATH, give its path")


@dataclass
class Programs:
    """What the programs of one image bring, gathered once each, first placement kept."""

    fs: HostFs
    ld_library_path: str | None
    accel: str
    items: dict[str, Shipped] = field(default_factory=dict)  # by guest path
    elves: set[str] = field(default_factory=set)  # real paths whose closure is in
    dynamic: bool = False  # some closure has an interpreter: ld.so.cache is needed
    memory_mib: int | None = None  # the most a hint asks for (loader/hints/*.toml memory_mib)

    def add(self, item: Shipped) -> None:
        """Ship item unless its guest path is already taken."""
        self.items.setdefault(item.guest_path, item)

    def add_path(self, path: str) -> str:
        """Ship the absolute path path: each symlink crossed, then the file; return its real path."""
        from loader.deps import resolve_symlinks

        real, links = resolve_symlinks("/", path, self.fs)
        for link in links:
            self.add(Shipped(link.path, link.path, "l", link.target))
        self.add(Shipped(real, real, "f"))
        return real

    def add_program(self, path: str, strict: bool) -> None:
        """Ship the program at path with what it brings: a script's interpreters, an ELF's closure.

        strict: a script that cannot run or a library that is missing raises
        (ScriptError, MissingLibrary); otherwise the program is shipped with
        what could be found, to fail in the guest as it would natively.
        """
        real = self.add_path(path)
        try:
            launch = resolve_launch(path, self.fs, real)
        except ScriptError:
            if strict:
                raise
            return
        if launch.is_script:
            self.add_launch(launch, strict)
        elif self._is_elf(real):
            self.add_elf(real, strict)

    def add_launch(self, launch: Launch, strict: bool) -> None:
        """Ship a script's interpreters (each as named, links kept), the ELF's closure, env's NAME."""
        for interp in launch.interpreters:
            self.add_path(interp)
        self.add_elf(launch.boot, strict)
        for name in launch.env_names:  # env looks NAME up on the guest's PATH
            try:
                self.add_program(find_program(name, DEFAULT_PATH, self.fs), strict=False)
            except ProgramNotFound:
                pass  # env fails in the guest as it would on the host

    def add_candidate(self, host: str, strict: bool) -> None:
        """Ship what a regular file of --file or --dir brings if it is a program or a shared object.

        An ELF file of another machine, an object file and the like bring
        nothing; so do a --dir's files without an execute bit or a .so name.
        """
        mode = self.fs.mode(host)  # its bytes are read, and recorded, only when it may matter
        if mode is None or not stat.S_ISREG(mode):
            return
        executable = bool(mode & 0o111)
        if not executable and not _SHARED_OBJECT.search(posixpath.basename(host)):
            return
        head = self.fs.read(host, 4)
        if head[:2] == b"#!" and executable:
            try:
                launch = resolve_launch(host, self.fs, host)
            except ScriptError:
                if strict:
                    raise
                return
            self.add_launch(launch, strict)
        elif head == ELF_MAGIC and self._is_elf(host):
            self.add_elf(host, strict)

    def _is_elf(self, host: str) -> bool:
        """Return True when host is an x86-64 ELF file ld.so would load (ET_EXEC or ET_DYN)."""
        from loader.deps.dynamic import check_header

        try:
            return check_header(self.fs.read(host, 64)) == "ok"
        except OSError:
            return False

    def add_elf(self, host: str, strict: bool) -> None:
        """Ship an ELF file's interpreter, libraries (with the links on their way) and run-time files.

        A strict closure must be complete (MissingLibrary names what is
        missing); a lenient one ships what was found.
        """
        from loader.deps import get_guest_hwcaps, get_memory_mib, iter_runtime_files, resolve_deps

        if host in self.elves:
            return
        self.elves.add(host)
        try:
            closure = resolve_deps(host, ld_library_path=self.ld_library_path,
                                   hwcaps=get_guest_hwcaps(self.accel), fs=self.fs)
            if strict:
                closure.require_complete()
        except (MissingLibrary, ElfFormatError):
            if strict:
                raise
            return
        self.dynamic = self.dynamic or closure.interpreter is not None
        for link in closure.program_links:
            self.add(Shipped(link.path, closure.host_path(link.path), "l", link.target))
        for lib in closure.iter_objects():
            for link in lib.links:
                self.add(Shipped(link.path, closure.host_path(link.path), "l", link.target))
            self.add(Shipped(lib.real_path, closure.host_path(lib.real_path), "f"))
        asks = get_memory_mib(closure, self.fs)
        if asks is not None:
            self.memory_mib = max(self.memory_mib or 0, asks)
        for rf in iter_runtime_files(closure, fs=self.fs):
            for item in iter_present(rf.guest_path, rf.host_path, self.fs):
                self.add(item)


def iter_present(guest: str, host: str, fs: HostFs) -> Iterator[Shipped]:
    """Yield host as a link or a regular file placed at guest; nothing for anything else."""
    kind = fs.kind(host)  # a link's target and a file's kind change only with its entry
    if kind == "l":
        yield Shipped(guest, host, "l", fs.readlink(host))
    elif kind == "f":
        yield Shipped(guest, host, "f")
