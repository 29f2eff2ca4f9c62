"""The initramfs: a valid cpio newc archive, content-addressed, built once."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import loader.elf
import loader.image
from loader.cpio import CpioWriter
from loader.image import build_image, iter_parent_dirs


def read_newc(data: bytes) -> list[tuple[str, int, bytes]]:
    """Parse a newc archive into (name, mode, contents), independently of loader.cpio."""
    entries, pos = [], 0
    while True:
        assert data[pos : pos + 6] == b"070701", f"bad magic at {pos}"
        fields = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        mode, filesize, namesize = fields[1], fields[6], fields[11]
        name_start = pos + 110
        name = data[name_start : name_start + namesize - 1].decode()
        assert data[name_start + namesize - 1] == 0
        body = (name_start + namesize + 3) & ~3
        if name == "TRAILER!!!":
            assert body % 4 == 0
            return entries
        entries.append((name, mode, data[body : body + filesize]))
        pos = (body + filesize + 3) & ~3


def test_image_holds_program_at_its_real_path(static_elf: Path, cache: Path) -> None:
    img = build_image(static_elf)
    real = os.path.realpath(static_elf)
    assert img.built and img.guest_path == real
    assert img.path == cache / "images" / f"{img.key}.cpio"
    entries = read_newc(img.path.read_bytes())
    names = [n for n, _, _ in entries]
    assert names[-1] == real.lstrip("/")
    assert names[:-1] == [d.lstrip("/") for d in iter_parent_dirs([real])]
    for _name, mode, _body in entries[:-1]:
        assert mode == stat.S_IFDIR | 0o755
    name, mode, body = entries[-1]
    assert mode == stat.S_IFREG | stat.S_IMODE(static_elf.stat().st_mode)
    assert body == static_elf.read_bytes()


def test_gnu_cpio_reads_the_image(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    img = build_image(static_elf)
    listing = subprocess.run(["cpio", "-it", "--quiet"], stdin=img.path.open("rb"),
                             capture_output=True, text=True, check=True).stdout.split()
    assert listing[-1] == os.path.realpath(static_elf).lstrip("/")
    out = tmp_path / "extract"
    out.mkdir()
    subprocess.run(["cpio", "-id", "--quiet"], stdin=img.path.open("rb"), cwd=out, check=True)
    copy = out / os.path.realpath(static_elf).lstrip("/")
    assert copy.read_bytes() == static_elf.read_bytes()
    assert os.access(copy, os.X_OK)


def test_symlink_is_resolved(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    link = tmp_path / "link-to-hello"
    link.symlink_to(static_elf)
    img = build_image(link)
    assert img.guest_path == os.path.realpath(static_elf)
    assert img.program.path == link


def test_second_build_does_no_work(
    static_elf: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_image(static_elf)

    def forbidden(*args: object) -> None:
        raise AssertionError("a warm build must not check, hash or write again")

    monkeypatch.setattr(loader.image, "check_runnable", forbidden)
    monkeypatch.setattr(loader.image, "_sha256_file", forbidden)
    monkeypatch.setattr(loader.image, "_write_image", forbidden)
    second = build_image(static_elf)
    assert not second.built
    assert (second.key, second.path, second.program) == (first.key, first.path, first.program)


def test_warm_build_does_not_import_pyelftools(static_elf: Path, cache: Path) -> None:
    build_image(static_elf)
    code = (
        "import sys; from loader.image import build_image; "
        f"assert not build_image({str(static_elf)!r}).built; "
        "assert 'elftools' not in sys.modules, 'pyelftools imported'"
    )
    subprocess.run([os.sys.executable, "-c", code], check=True, env={**os.environ})


def test_same_content_same_image_other_content_new_image(static_elf: Path, cache: Path) -> None:
    first = build_image(static_elf)
    os.utime(static_elf, ns=(1, 1))  # stat changes, contents do not: re-hashed, same key
    assert build_image(static_elf).key == first.key
    with static_elf.open("ab") as f:
        f.write(b"\0" * 16)
    changed = build_image(static_elf)
    assert changed.built and changed.key != first.key
    static_elf.chmod(0o700)
    assert build_image(static_elf).key not in (first.key, changed.key)


def test_same_bytes_elsewhere_is_another_image(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "hello"
    other.parent.mkdir()
    shutil.copy2(static_elf, other)
    assert build_image(other).key != build_image(static_elf).key


def test_cache_leaves_no_temporary_files(static_elf: Path, cache: Path) -> None:
    build_image(static_elf)
    build_image(static_elf)
    assert sorted(p.name for p in cache.iterdir()) == ["images", "index.json"]
    assert all(p.suffix == ".cpio" for p in (cache / "images").iterdir())


def test_damaged_index_is_rebuilt(static_elf: Path, cache: Path) -> None:
    first = build_image(static_elf)
    (cache / "index.json").write_text("{not json")
    assert build_image(static_elf).key == first.key
    assert json.loads((cache / "index.json").read_text())["files"]


def test_bad_program_leaves_cache_empty(tmp_path: Path, cache: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    with pytest.raises(loader.elf.ElfFormatError):
        build_image(text)
    assert not (cache / "images").exists()


def test_cpio_writer_pads_names_and_data() -> None:
    out = io.BytesIO()
    with CpioWriter(out) as cpio:
        cpio.add_dir("/a")
        for size in range(6):
            cpio.add_file(f"/a/f{size}", 0o644, io.BytesIO(b"x" * size), size)
    data = out.getvalue()
    assert len(data) % 4 == 0
    entries = read_newc(data)
    assert [e[0] for e in entries] == ["a"] + [f"a/f{i}" for i in range(6)]
    assert [len(e[2]) for e in entries[1:]] == list(range(6))


def test_parent_dirs_in_order_once() -> None:
    assert iter_parent_dirs(["/a/b/c", "/a/b/d", "/a/e/f", "/g"]) == ["/a", "/a/b", "/a/e"]


def test_unwritable_cache_is_one_line_125(
    static_elf: Path, tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    proc = run_pkgload("run", str(static_elf), env={"XDG_CACHE_HOME": str(blocker)})
    assert proc.returncode == 125
    assert proc.stderr.startswith("pkgload: ") and "cannot write the image cache" in proc.stderr
    assert proc.stderr.count("\n") == 1
