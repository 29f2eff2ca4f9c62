"""What an image ships from the host besides the program: its plan.

What the programs bring (loader/programs.py): a dynamic program's
interpreter and libraries with every symlink on their way (loader/deps), the
files it loads at run time, a script's interpreters; the same for each
--with program, and for each ELF file or script of a --file or --dir; the
host's /etc/ld.so.cache when any of them is dynamic, and the host's
/etc/localtime (a link into /usr/share/zoneinfo, and the zone's file) when
it has one. Then each --file and --dir. Computing a plan is the slow part of a cold build, so it is memoised
(loader/closure_cache.py) with what it looked at: every host file is read
through one traced HostFs (loader/hostfs.py), so nothing read can be left
out of that record.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from loader.closure_cache import Plan, PlanKey, Shipped, StoredPlan, make_stored_plan
from loader.errors import ImageError
from loader.etc import LD_SO_CACHE, LOCALTIME
from loader.fstrace import FsTrace
from loader.hostfs import HostFs
from loader.programs import Programs, find_program, iter_present
from loader.script import Launch, resolve_launch


@dataclass(frozen=True)
class ExtraPath:
    """A host file or folder to add to the image (--file, --dir)."""

    host_path: str
    guest_path: str


def make_plan(program: str | os.PathLike[str], launch: Launch, dynamic: bool,
              extra: list[ExtraPath], pkey: PlanKey) -> StoredPlan:
    """Find what the image ships besides the program, recording what that looked at.

    launch is how the program starts (loader/script.py), dynamic whether
    its ELF file is. Raises MissingLibrary when a closure that must be
    complete is not, ScriptError for a script that cannot run,
    ProgramNotFound for a --with name not on PATH, and ImageError when an
    extra path does not exist.
    """
    trace = FsTrace()
    fs = HostFs(trace)
    progs = Programs(fs, pkey.ld_library_path, pkey.accel)
    if launch.is_script:  # read again through fs: the plan depends on the script
        launch = resolve_launch(os.fspath(program), fs)
        for script in launch.scripts:
            progs.add_path(script)
        progs.add_launch(launch, strict=True)
    elif dynamic:
        progs.add_elf(launch.boot, strict=True)
    for name in pkey.withs:
        progs.add_program(find_program(name, pkey.path, fs), strict=True)
    extras = [s for x in extra for s in _iter_extra_plan(x, progs)]
    if progs.dynamic and fs.is_file(LD_SO_CACHE):
        progs.add(Shipped(LD_SO_CACHE, LD_SO_CACHE, "f"))
    if fs.is_file(LOCALTIME):  # the host's zone, as its link names it (the JDK reads the name)
        progs.add_path(LOCALTIME)
    plan = Plan(tuple(progs.items.values()), tuple(extras), progs.memory_mib)
    return make_stored_plan(pkey, plan, launch, dynamic, bool(progs.elves), trace)


def _iter_extra_plan(x: ExtraPath, progs: Programs) -> Iterator[Shipped]:
    """Yield what one --file or --dir ships: a file, a link, or a tree (links kept).

    A tree's folders, empty ones too, are entries of their own with their host
    attributes. A program or shared object among them brings its closure
    into progs: must be complete for a --file, as found for a --dir's files.
    Raises ImageError when x.host_path does not exist.
    """
    fs = progs.fs
    kind = fs.kind(x.host_path)
    if kind in ("l", "f"):
        yield from iter_present(x.guest_path, x.host_path, fs)
        if kind == "f":
            progs.add_candidate(x.host_path, strict=True)
    elif kind == "d":
        for root, dirs, files in fs.walk(x.host_path):
            rel = os.path.relpath(root, x.host_path)
            groot = x.guest_path if rel == "." else posixpath.join(x.guest_path, rel)
            yield Shipped(groot, root, "d")
            for name in sorted(dirs + files):
                yield from iter_present(posixpath.join(groot, name), os.path.join(root, name), fs)
            for name in sorted(files):
                if fs.kind(os.path.join(root, name)) == "f":  # not a link: its target may be anywhere
                    progs.add_candidate(os.path.join(root, name), strict=False)
    else:
        raise ImageError(f"{x.host_path}: no such file or folder to add to the image")

