"""Memoised image plans: which host paths an image ships, kept until a stat says otherwise.

Finding them is the slow part of a warm build: resolving a dynamic
program's closure parses every library with pyelftools, and the run-time
file rules walk folders (a Python's stdlib, lib-dynload and the libraries
its modules load). A plan is stored under `closures/<key>.json` in the cache,
the key a hash of everything a plan is a function of besides the files
(PlanKey: the program as given, LD_LIBRARY_PATH, the --file/--dir paths,
the --with programs and the PATH they are looked up on, the accelerator,
MEMO_VERSION), with how PROGRAM starts (its Launch: image.py compares it
with the program's first bytes, which a plan of a plain ELF program does not
record), the guest CPU's hwcaps when a library closure was resolved, and what
computing it looked at (loader/fstrace.py): the stat key of every file read (the program, each ELF
object, every candidate path searched, found or not, ld.so.cache) and of
every folder listed (a stdlib, lib-dynload, a --dir tree), the kind and link
target of every other name crossed, the mode of each file of a --dir tree
(whether it is executable), the current folder when a relative path
was taken from it, and the stat keys of the modules that compute plans (an
edited loader/deps is a new algorithm). A plan is used only while all of those
are unchanged: checking costs one stat per path, no ELF parsing and no
hashing. A plan that failed (a missing library) is never stored. The record
also keeps the last image built from the plan (put_image; image.py decides
what that holds).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loader.cache import atomic_output
from loader.fstrace import FsTrace, has_changed
from loader.script import Launch

MEMO_VERSION = 4  # bump when what a plan holds, or how it is found, changes meaning
# The modules whose code decides a plan (plan.py and what it imports of ours; a
# test checks): a change to one of them is a new algorithm.
PLAN_SOURCES = ("cache.py", "closure_cache.py", "deps/__init__.py", "deps/closure.py",
                "deps/dynamic.py", "deps/hints.py", "deps/ldcache.py", "deps/resolver.py",
                "deps/runtime.py", "deps/search.py", "errors.py", "etc.py", "fstrace.py", "hostfs.py",
                "hwcaps.py", "identity.py", "image.py", "network.py", "plan.py", "programs.py",
                "script.py")


@dataclass(frozen=True)
class Shipped:
    """A host path an image ships, before its stat and hash are read."""

    guest_path: str
    host_path: str
    kind: str  # "f" file, "l" symbolic link, "d" folder (of a --dir tree)
    link_target: str | None = None  # os.readlink(host_path) for a link


@dataclass(frozen=True)
class Plan:
    """What an image ships from the host besides the program itself."""

    closure: tuple[Shipped, ...]  # what the programs bring: interpreters, libraries, run-time
    # files, ld.so.cache, a script's interpreters, the --with programs
    extra: tuple[Shipped, ...]  # --file and --dir, in the order given
    memory_mib: int | None = None  # the default -m a hint asks for, None: pkgload's own


@dataclass(frozen=True)
class PlanKey:
    """The inputs of a plan that are not host files (the CPU's hwcaps are checked apart)."""

    program: str  # as given (error messages name it so)
    ld_library_path: str | None
    extra: tuple[tuple[str, str], ...]  # (host path, guest path) of each --file/--dir
    accel: str = "tcg"  # what the image boots under: the guest CPU ld.so chooses libraries for
    withs: tuple[str, ...] = ()  # each --with NAME_OR_PATH as given
    path: str | None = None  # the host's PATH, when a --with NAME is looked up on it

    def to_json(self) -> dict[str, Any]:
        """Return the key as JSON values (tuples become lists)."""
        return json.loads(json.dumps(
            {"version": MEMO_VERSION, "program": self.program,
             "ld_library_path": self.ld_library_path, "extra": self.extra, "accel": self.accel,
             "withs": self.withs, "path": self.path}))

    def get_name(self) -> str:
        """Return the file name of this key's plan."""
        text = json.dumps(self.to_json(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest() + ".json"


@dataclass
class StoredPlan:
    """A plan, how PROGRAM starts, whether that ELF file is dynamic, and its stored record."""

    plan: Plan
    launch: Launch
    dynamic: bool
    image: dict[str, Any] | None  # the last image built from it (see image.py)
    record: dict[str, Any] | None  # what is stored; None when it must not be (racy)


def get_plan(cache: Path, key: PlanKey) -> StoredPlan | None:
    """Return the plan stored for key if nothing it depends on changed, else None.

    A plan that resolved a library closure also needs the guest CPU's hwcaps
    unchanged (under KVM, the host's: runs `ld.so --help`). A damaged,
    foreign or stale memo reads as None.
    """
    memo = cache / "closures" / key.get_name()
    data = _read_memo(memo)
    try:
        if data is None or data["key"] != key.to_json():
            return None
        if data["cwd"] is not None and data["cwd"] != os.getcwd():
            return None
        if data["hwcaps"] is not None and data["hwcaps"] != get_hwcaps_json(key.accel):
            return None
        if has_changed(data["depends"], data["names"], data["modes"]):
            return None
        plan = Plan(_shipped_from_json(data["closure"]), _shipped_from_json(data["extra"]),
                    data["memory_mib"])
        _touch(memo)
        return StoredPlan(plan, Launch.from_json(data["launch"]), bool(data["dynamic"]),
                          data.get("image"), data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def make_stored_plan(key: PlanKey, plan: Plan, launch: Launch, dynamic: bool, uses_hwcaps: bool,
                     trace: FsTrace) -> StoredPlan:
    """Return plan with the record to store: what trace saw it depend on (None if racy).

    dynamic says whether launch's ELF file is; uses_hwcaps, whether a library
    closure was resolved (for the guest CPU's hwcaps, which are then recorded).
    """
    here = os.path.dirname(os.path.abspath(__file__))
    for name in PLAN_SOURCES:
        trace.note_read(os.path.join(here, name))
    record = None if trace.is_racy() else {
        "key": key.to_json(),
        "cwd": os.getcwd() if trace.uses_cwd else None,
        "hwcaps": get_hwcaps_json(key.accel) if uses_hwcaps else None,
        "depends": trace.keys,
        "names": trace.names,
        "modes": trace.modes,
        "launch": launch.to_json(),
        "dynamic": dynamic,
        "closure": [_shipped_to_json(s) for s in plan.closure],
        "extra": [_shipped_to_json(s) for s in plan.extra],
        "memory_mib": plan.memory_mib,
    }
    return StoredPlan(plan, launch, dynamic, None, record)


def put_image(cache: Path, key: PlanKey, stored: StoredPlan, image: dict[str, Any]) -> None:
    """Store stored's plan with image, the last image built from it, unless already so.

    Raises OSError when the cache cannot be written.
    """
    image = json.loads(json.dumps(image))  # as it reads back
    if stored.record is None or stored.record.get("image") == image:
        return
    stored.record["image"] = image
    with atomic_output(cache / "closures" / key.get_name()) as f:
        f.write(json.dumps(stored.record).encode())


def get_hwcaps_json(accel: str) -> list[Any]:
    """Return the hwcaps the guest's ld.so searches under accel, as JSON values."""
    from loader.hwcaps import get_guest_hwcaps  # under KVM, runs `ld.so --help`

    return json.loads(json.dumps(dataclasses.astuple(get_guest_hwcaps(accel))))


def _touch(memo: Path) -> None:
    """Mark a memo as used now: its mtime is its last use (loader/cache_lru.py evicts by it)."""
    try:
        os.utime(memo)
    except OSError:
        pass  # evicted meanwhile: the plan is read already


def _read_memo(path: Path) -> dict[str, Any] | None:
    """Return the JSON object in path, or None when missing or damaged."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _shipped_to_json(s: Shipped) -> list[str | None]:
    """Return s as a JSON row."""
    return [s.guest_path, s.host_path, s.kind, s.link_target]


def _shipped_from_json(rows: list[list[str | None]]) -> tuple[Shipped, ...]:
    """Return the Shipped items of JSON rows."""
    return tuple(Shipped(g, h, k, t) for g, h, k, t in rows)  # type: ignore[arg-type]
