"""The cache's size limit (loader/cache_lru.py) and `pkgload cache [prune [--all]]`.

Entries are evicted least recently used first once a new image is stored,
a hit marks an entry used, recent entries and concurrent runs' finds are
never removed, and the test session itself uses a cache of its own.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from loader import cache_lru
from loader.cache_lru import GRACE_S, cache_lock, evict, get_cache_max, get_usage, parse_size, touch_image
from loader.image import build_image

OLD = 10 * GRACE_S  # seconds: an age well outside the grace window


def _age(path: Path, seconds: float) -> None:
    """Set path's last use to seconds ago."""
    t = time.time() - seconds
    os.utime(path, (t, t))


def _entry(cache: Path, folder: str, name: str, size: int, age: float) -> Path:
    """Make an entry file of size bytes last used age seconds ago."""
    path = cache / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    _age(path, age)
    return path


def _program(static_elf: Path, tmp_path: Path, name: str) -> Path:
    """Return a copy of the static hello with bytes of its own (so an image of its own)."""
    out = tmp_path / name
    out.write_bytes(static_elf.read_bytes() + name.encode())
    out.chmod(0o755)
    return out


@pytest.mark.parametrize("text, size", [("0", 0), ("1000", 1000), ("512K", 512 << 10),
                                        ("64m", 64 << 20), ("2G", 2 << 30), ("1TiB", 1 << 40),
                                        (" 3 MB ", 3 << 20)])
def test_sizes_parse(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "x", "1.5G", "-1", "1P", "G"])
def test_bad_sizes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_limit_defaults_to_2_gib_and_names_a_bad_variable() -> None:
    assert get_cache_max({}) == 2 << 30 == get_cache_max({"PKGLOAD_CACHE_MAX": " "})
    assert get_cache_max({"PKGLOAD_CACHE_MAX": "100M"}) == 100 << 20
    with pytest.raises(ValueError, match="^PKGLOAD_CACHE_MAX='lots': not a size"):
        get_cache_max({"PKGLOAD_CACHE_MAX": "lots"})


def test_eviction_removes_least_recently_used_first(tmp_path: Path) -> None:
    a = _entry(tmp_path, "images", "a.cpio", 100, OLD + 30)
    b = _entry(tmp_path, "closures", "b.json", 100, OLD + 20)
    c = _entry(tmp_path, "images", "c.cpio", 100, OLD + 10)
    other = _entry(tmp_path, ".", "index.json", 1000, OLD + 40)  # not an entry: stays
    removed = evict(tmp_path, 150)
    assert [e.path for e in removed] == [a, b]
    assert not a.exists() and not b.exists() and c.exists() and other.exists()
    assert get_usage(tmp_path).size == 100 and get_usage(tmp_path).other_size == 1000


def test_recent_entries_stay_over_the_limit(tmp_path: Path) -> None:
    old = _entry(tmp_path, "images", "old.cpio", 100, OLD)
    recent = _entry(tmp_path, "images", "recent.cpio", 100, GRACE_S / 2)
    assert [e.path for e in evict(tmp_path, 0)] == [old]
    assert recent.exists()


def test_stale_temporary_files_go(tmp_path: Path) -> None:
    stale = _entry(tmp_path, "images", ".x.cpio.1.tmp", 10, cache_lru.STALE_TMP_S + 10)
    fresh = _entry(tmp_path, "images", ".y.cpio.2.tmp", 10, 1)  # a run still writing it
    evict(tmp_path, 1 << 30)
    assert not stale.exists() and fresh.exists()
    assert get_usage(tmp_path).entries == []  # temporary files are no entries


def test_a_new_image_evicts_the_least_recently_used(static_elf: Path, tmp_path: Path, cache: Path) -> None:
    first = build_image(_program(static_elf, tmp_path, "one"), cache_max=1)
    second = build_image(_program(static_elf, tmp_path, "two"), cache_max=1)
    assert first.path.exists()  # still in the grace window
    for entry in get_usage(cache).entries:
        _age(entry.path, OLD)
    third = build_image(_program(static_elf, tmp_path, "three"), cache_max=1)
    assert third.built and third.path.exists()
    assert not first.path.exists() and not second.path.exists()
    assert {e.kind for e in get_usage(cache).entries} == {"image", "plan"}  # third's only
    again = build_image(_program(static_elf, tmp_path, "one"), cache_max=1)
    assert again.built and again.key == first.key  # evicted: built again, same content key


def test_a_hit_marks_the_image_and_plan_used(static_elf: Path, tmp_path: Path, cache: Path) -> None:
    program = _program(static_elf, tmp_path, "hit")
    img = build_image(program)
    for entry in get_usage(cache).entries:
        _age(entry.path, OLD)
    assert not build_image(program).built
    assert all(e.last_used > time.time() - GRACE_S for e in get_usage(cache).entries)
    # a larger cache keeps the entry just used, evicts the older one
    other = build_image(_program(static_elf, tmp_path, "other"))
    _age(other.path, OLD + 10)
    assert [e.path for e in evict(cache, img.path.stat().st_size + 100_000)
            if e.kind == "image"] == [other.path]


def test_a_touch_waits_for_an_eviction_in_progress(tmp_path: Path) -> None:
    image = _entry(tmp_path, "images", "a.cpio", 10, OLD)
    done = threading.Event()
    with cache_lock(tmp_path):
        t = threading.Thread(target=lambda: (touch_image(tmp_path, image), done.set()))
        t.start()
        assert not done.wait(0.3), "touch_image did not wait for the exclusive lock"
        image.unlink()  # the eviction removes it while holding the lock
    t.join(5)
    assert done.is_set()
    assert not touch_image(tmp_path, image)  # found missing: the run builds it again


def _evict_loop(cache: str, stop_at: float) -> None:
    while time.time() < stop_at:
        evict(Path(cache), 0)


def test_a_found_image_survives_concurrent_evictions(tmp_path: Path) -> None:
    """Each image a run found (touched) is still there after evictors ran beside it.

    Images appear already old, and are found at once: an eviction may take
    one first (the run then builds it again), but never one that was found.
    """
    ctx = multiprocessing.get_context("fork")
    evictors = [ctx.Process(target=_evict_loop, args=(str(tmp_path), time.time() + 3)) for _ in range(2)]
    for p in evictors:
        p.start()
    found, lost = [], []
    deadline = time.time() + 2.5
    i = 0
    while time.time() < deadline:
        path = _entry(tmp_path, "images", f"{i}.cpio", 1000, OLD)
        (found if touch_image(tmp_path, path) else lost).append(path)
        i += 1
    for p in evictors:
        p.join(30)
    assert found and lost, f"the evictors and the touches did not overlap ({len(found)}, {len(lost)})"
    assert [p for p in found if not p.exists()] == []


def test_cache_command_lists_entries(static_elf: Path, tmp_path: Path,
                                     run_pkgload: Callable[..., object]) -> None:
    xdg = tmp_path / "cli-cache"  # run_pkgload's cache
    program = _program(static_elf, tmp_path, "listed")
    img = build_image(program, cache=xdg / "pkgload")
    proc = run_pkgload("cache", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["format"] == "pkgload-cache-1" and doc["path"] == str(xdg / "pkgload")
    assert doc["limit"] == 2 << 30 and doc["size"] == sum(e["size"] for e in doc["entries"])
    images = [e for e in doc["entries"] if e["kind"] == "image"]
    assert [(e["file"], e["name"], e["size"]) for e in images] == [
        (str(img.path), os.path.realpath(program), img.path.stat().st_size)]
    table = run_pkgload("cache", env={"COLUMNS": "200"})
    assert table.returncode == 0 and os.path.realpath(program) in table.stdout
    assert "limit 2.0 GiB" in table.stdout


def test_prune_evicts_to_the_limit_and_all_empties(static_elf: Path, tmp_path: Path,
                                                   run_pkgload: Callable[..., object]) -> None:
    cache = tmp_path / "cli-cache" / "pkgload"
    old = build_image(_program(static_elf, tmp_path, "old"), cache=cache)
    new = build_image(_program(static_elf, tmp_path, "new"), cache=cache)
    for entry in get_usage(cache).entries:
        _age(entry.path, OLD + (100 if old.key in entry.path.name else 0))
    limit = str(new.path.stat().st_size + 50_000)
    proc = run_pkgload("cache", "prune", env={"PKGLOAD_CACHE_MAX": limit})
    assert proc.returncode == 0 and proc.stdout.startswith("pkgload: freed "), proc.stderr
    assert not old.path.exists() and new.path.exists()
    proc = run_pkgload("cache", "prune", "--all")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in cache.iterdir()] in ([], ["lock"])


def test_a_bad_limit_is_a_usage_error(static_elf: Path, run_pkgload: Callable[..., object]) -> None:
    for args in (("cache",), ("cache", "prune"), ("run", str(static_elf))):
        proc = run_pkgload(*args, env={"PKGLOAD_CACHE_MAX": "2X"})
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.splitlines()[-1] == (
            "Error: PKGLOAD_CACHE_MAX='2X': not a size, use bytes or a number with K, M, G or T")


def test_the_session_has_a_cache_of_its_own() -> None:
    """tests/conftest.py points XDG_CACHE_HOME at a temporary folder for the whole session."""
    xdg = Path(os.environ["XDG_CACHE_HOME"])
    assert xdg.is_relative_to(tempfile.gettempdir()) and xdg.name.startswith("pkgload-test-cache-")
    assert not xdg.is_relative_to(Path.home())
    assert shutil.disk_usage(xdg)  # it exists
