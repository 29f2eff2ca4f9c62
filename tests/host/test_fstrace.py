"""loader/fstrace.py: what a trace records, and what counts as a change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import loader.fstrace
from loader.fstrace import FsTrace, has_changed


def test_new_trace_records_nothing() -> None:
    trace = FsTrace()
    assert trace.keys == {} and trace.names == {} and not trace.uses_cwd


def test_read_file_change_shows(tmp_path: Path) -> None:
    f = tmp_path / "lib.so"
    f.write_bytes(b"one")
    trace = FsTrace()
    trace.note_read(str(f))
    trace.note_read(str(tmp_path / "absent.so"))
    assert not has_changed(trace.keys, trace.names)
    f.write_bytes(b"other")
    assert has_changed(trace.keys, trace.names)


def test_absent_file_appearing_shows(tmp_path: Path) -> None:
    trace = FsTrace()
    trace.note_read(str(tmp_path / "glibc-hwcaps" / "x86-64-v3" / "libz.so.1"))
    (tmp_path / "glibc-hwcaps" / "x86-64-v3").mkdir(parents=True)
    assert not has_changed(trace.keys, trace.names)
    (tmp_path / "glibc-hwcaps" / "x86-64-v3" / "libz.so.1").write_bytes(b"")
    assert has_changed(trace.keys, trace.names)


def test_lookup_ignores_a_busy_folder_but_not_a_new_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "other").mkdir()
    trace = FsTrace()
    trace.note_lookup(str(tmp_path / "real"))
    (tmp_path / "unrelated").write_text("x")  # the folder's mtime changes
    assert not has_changed(trace.keys, trace.names)
    (tmp_path / "real").rename(tmp_path / "moved")
    (tmp_path / "real").symlink_to("other")
    assert has_changed(trace.keys, trace.names)


def test_listing_covers_the_names_in_it(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("")
    trace = FsTrace()
    trace.note_listing(str(tmp_path))
    trace.note_lookup(str(tmp_path / "a.py"))
    assert list(trace.names) == []
    os.utime(tmp_path, ns=(0, 0))  # as if a.py had been replaced
    assert has_changed(trace.keys, trace.names)


def test_fresh_files_make_a_racy_trace(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "new.so").write_bytes(b"")
    trace = FsTrace()
    trace.note_read(str(tmp_path / "new.so"))
    assert trace.is_racy()
    monkeypatch.setattr(loader.fstrace, "RACY_NS", -10**9)  # a second after the start
    assert not trace.is_racy()


def test_relative_path_marks_the_cwd_used(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    trace = FsTrace()
    trace.note_read("lib.so")
    assert trace.uses_cwd and str(tmp_path / "lib.so") in trace.keys
