"""Warm builds reuse the memoised closure and run-time files (loader/closure_cache.py)
while nothing they were computed from changed, and give a cold build's answer when
something did."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import loader.deps.dynamic
import loader.fstrace
import loader.image
from host_samples import compile_c
from loader.errors import MissingLibrary
from loader.image import ExtraPath, build_image

LIBFOO_C = b"int foo(void) { return 42; }\n"
LIBFOO_BAR_C = b"int bar(void);\nint foo(void) { return bar(); }\n"
LIBBAR_C = b"int bar(void) { return 7; }\n"
USES_FOO_C = b'#include <stdio.h>\nint foo(void);\nint main(void) { printf("%d\\n", foo()); }\n'
PYTHON = "/usr/bin/python3"


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memoise plans of files made a moment ago (tests wait for no clock tick)."""
    monkeypatch.setattr(loader.fstrace, "RACY_NS", 0)


class ParseCounter:
    """Counts (or forbids) ELF parsing by the resolver."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, forbid: bool = False) -> None:
        self.calls = 0
        real = loader.deps.dynamic.read_dyninfo

        def read(host: str, shown: str, fs: object) -> object:
            self.calls += 1
            if forbid:
                raise AssertionError(f"{host}: ELF parsed on a warm build")
            return real(host, shown, fs)

        monkeypatch.setattr(loader.deps.dynamic, "read_dyninfo", read)


def _app(tmp_path: Path, rpath: str = "$ORIGIN/lib") -> Path:
    """Build tmp_path/app needing libfoo.so through rpath, and lib/libfoo.so."""
    (tmp_path / "lib").mkdir(exist_ok=True)
    compile_c(tmp_path / "lib" / "libfoo.so", "-shared", "-fPIC", source=LIBFOO_C)
    return compile_c(tmp_path / "app", f"-L{tmp_path / 'lib'}", f"-Wl,-rpath,{rpath}",
                     "-Wl,--disable-new-dtags", "-Wl,--no-as-needed", "-lfoo", source=USES_FOO_C)


def _paths(cache: Path) -> set[str]:
    """Return the host paths of every plan stored in the cache (one program per test)."""
    out: set[str] = set()
    for f in (cache / "closures").iterdir():
        out.update(row[1] for row in json.loads(f.read_text())["closure"])
    return out


def test_warm_build_parses_no_elf(elf_dir: Path, cache: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_image(elf_dir / "dynamic")
    ParseCounter(monkeypatch, forbid=True)
    monkeypatch.setattr(loader.deps.dynamic, "has_dynamic_symbol", None)
    second = build_image(elf_dir / "dynamic")
    assert (second.key, second.built) == (first.key, False)


def test_warm_build_imports_no_resolver(elf_dir: Path, cache: Path) -> None:
    build_image(elf_dir / "dynamic")
    code = (
        "import sys, loader.fstrace; loader.fstrace.RACY_NS = 0; "
        "from loader.image import build_image; "
        f"assert not build_image({str(elf_dir / 'dynamic')!r}).built; "
        "bad = {'elftools', 'lief', 'capstone', 'loader.deps'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_changed_library_gives_its_new_closure(tmp_path: Path, cache: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    build_image(app)
    assert not any("libbar" in p for p in _paths(cache))
    compile_c(tmp_path / "lib" / "libbar.so", "-shared", "-fPIC", source=LIBBAR_C)
    compile_c(tmp_path / "lib" / "libfoo.so", "-shared", "-fPIC", f"-L{tmp_path / 'lib'}",
              "-Wl,--no-as-needed", "-lbar", "-Wl,-rpath,$ORIGIN", source=LIBFOO_BAR_C)
    counter = ParseCounter(monkeypatch)
    build_image(app)
    assert counter.calls > 0
    assert str(tmp_path / "lib" / "libbar.so") in _paths(cache)


def test_touched_library_invalidates(tmp_path: Path, cache: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    first = build_image(app)
    lib = tmp_path / "lib" / "libfoo.so"
    os.utime(lib, ns=(lib.stat().st_atime_ns, lib.stat().st_mtime_ns - 10**9))
    counter = ParseCounter(monkeypatch)
    second = build_image(app)
    assert counter.calls > 0 and second.key != first.key


def test_library_added_earlier_in_the_search_wins(tmp_path: Path, cache: Path) -> None:
    app = _app(tmp_path, rpath="$ORIGIN/first:$ORIGIN/lib")
    build_image(app)
    assert str(tmp_path / "lib" / "libfoo.so") in _paths(cache)
    (tmp_path / "first").mkdir()
    shutil.copy2(tmp_path / "lib" / "libfoo.so", tmp_path / "first" / "libfoo.so")
    build_image(app)
    assert str(tmp_path / "first" / "libfoo.so") in _paths(cache)


def test_removed_library_gives_the_cold_error(tmp_path: Path, cache: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    build_image(app)
    (tmp_path / "lib" / "libfoo.so").unlink()
    with pytest.raises(MissingLibrary) as warm:
        build_image(app)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-cache"))
    with pytest.raises(MissingLibrary) as cold:
        build_image(app)
    assert str(warm.value) == str(cold.value)
    assert str(warm.value).startswith(f"libfoo.so: needed by {app}, not found")


def test_ld_library_path_is_part_of_the_key(tmp_path: Path, cache: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, rpath="/nonexistent")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy2(tmp_path / "lib" / "libfoo.so", other / "libfoo.so")
    lib, alt = str(tmp_path / "lib"), str(other)
    a = build_image(app, ld_library_path=lib)
    b = build_image(app, ld_library_path=alt)
    assert a.key != b.key
    ParseCounter(monkeypatch, forbid=True)
    assert build_image(app, ld_library_path=lib).key == a.key
    assert build_image(app, ld_library_path=alt).key == b.key


def test_racy_plan_is_not_memoised(tmp_path: Path, cache: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    monkeypatch.setattr(loader.fstrace, "RACY_NS", 10 * 10**9)  # all of it is "just made"
    build_image(app)
    counter = ParseCounter(monkeypatch)
    build_image(app)
    assert counter.calls > 0


def test_damaged_memo_is_ignored(elf_dir: Path, cache: Path) -> None:
    first = build_image(elf_dir / "dynamic")
    for f in (cache / "closures").iterdir():
        f.write_text('{"key": ')
    assert build_image(elf_dir / "dynamic").key == first.key


def test_warm_python3_build_is_fast(cache: Path) -> None:
    if not os.path.exists(PYTHON):
        pytest.skip(f"{PYTHON} not installed")
    first = build_image(PYTHON)
    times = []
    for _ in range(3):  # the best of 3: the machine is shared
        start = time.perf_counter()
        img = build_image(PYTHON)
        times.append(time.perf_counter() - start)
    assert img.key == first.key and not img.built
    assert min(times) < 0.2, f"warm build_image of python3 took {min(times):.3f} s"


def test_unchanged_image_needs_no_entries(elf_dir: Path, cache: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_image(elf_dir / "dynamic")

    def forbidden(*args: object) -> None:
        raise AssertionError("entries made again for an unchanged image")

    monkeypatch.setattr(loader.image, "FileIndex", forbidden)
    monkeypatch.setattr(loader.image, "_entry_of", forbidden)
    second = build_image(elf_dir / "dynamic")
    assert (second.key, second.path, second.program, second.built) == (
        first.key, first.path, first.program, False)


def test_file_changed_in_place_gives_a_new_image_from_the_same_plan(
    elf_dir: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "data.txt").write_text("one\n")
    extra = [ExtraPath(str(tree), "/data")]
    first = build_image(elf_dir / "dynamic", extra=extra)
    (tree / "data.txt").write_text("other\n")  # the folder's names do not change
    ParseCounter(monkeypatch, forbid=True)
    second = build_image(elf_dir / "dynamic", extra=extra)
    assert second.key != first.key and second.built


def test_deleted_image_is_written_again(elf_dir: Path, cache: Path) -> None:
    first = build_image(elf_dir / "dynamic")
    first.path.unlink()
    second = build_image(elf_dir / "dynamic")
    assert second.key == first.key and second.built and second.path.exists()
