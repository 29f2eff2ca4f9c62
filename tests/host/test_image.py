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
from loader.cpio import CpioWriter, EntryAttrs
from loader.etc import DEFAULT_HOSTNAME, get_etc_files
from loader.image import GENERATED_MTIME, build_image, iter_parent_dirs


def read_newc(data: bytes) -> list[tuple[str, int, bytes]]:
    """Parse a newc archive into (name, mode, contents), independently of loader.cpio."""
    return [(name, fields[1], body) for name, fields, body in read_newc_fields(data)]


def read_newc_attrs(data: bytes) -> dict[str, tuple[int, int, int, int]]:
    """Parse a newc archive into name -> (mode, uid, gid, mtime)."""
    return {name: (f[1], f[2], f[3], f[5]) for name, f, _ in read_newc_fields(data)}


def read_newc_fields(data: bytes) -> list[tuple[str, list[int], bytes]]:
    """Parse a newc archive into (name, the 13 header fields, contents)."""
    entries, pos = [], 0
    while True:
        assert data[pos : pos + 6] == b"070701", f"bad magic at {pos}"
        fields = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        filesize, namesize = fields[6], fields[11]
        name_start = pos + 110
        name = data[name_start : name_start + namesize - 1].decode()
        assert data[name_start + namesize - 1] == 0
        body = (name_start + namesize + 3) & ~3
        if name == "TRAILER!!!":
            assert body % 4 == 0
            return entries
        entries.append((name, fields, data[body : body + filesize]))
        pos = (body + filesize + 3) & ~3


def localtime_chain() -> list[str]:
    """Return the host's /etc/localtime and each link it leads through to the zone's file."""
    chain, path = [], "/etc/localtime"
    while os.path.lexists(path) and os.path.exists("/etc/localtime") and len(chain) < 8:
        chain.append(path)
        if not os.path.islink(path):
            break
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
    return chain


def test_image_holds_program_at_its_real_path(static_elf: Path, cache: Path) -> None:
    img = build_image(static_elf)
    real = os.path.realpath(static_elf)
    assert img.built and img.guest_path == real
    assert img.path == cache / "images" / f"{img.key}.cpio"
    entries = read_newc(img.path.read_bytes())
    names = [n for n, _, _ in entries]
    etc = list(get_etc_files(DEFAULT_HOSTNAME))
    zone = localtime_chain()  # the host's time zone, shipped as it is
    dirs = iter_parent_dirs([real, *zone, *etc])
    assert names == [".", *(p.lstrip("/") for p in [*dirs, real, *zone, *etc])]
    for name, mode, _body in entries[: len(dirs) + 1]:  # /tmp as the kernel would make it
        assert mode == stat.S_IFDIR | (0o1777 if name == "tmp" else 0o755)
    name, mode, body = entries[len(dirs) + 1]
    assert mode == stat.S_IFREG | stat.S_IMODE(static_elf.stat().st_mode)
    assert body == static_elf.read_bytes()


def test_image_keeps_shipped_attributes_and_fixes_generated_ones(
    static_elf: Path, cache: Path
) -> None:
    os.utime(static_elf, (1234567890, 1234567890))
    attrs = read_newc_attrs(build_image(static_elf).path.read_bytes())
    st = static_elf.stat()
    mode = stat.S_IFREG | stat.S_IMODE(st.st_mode)
    assert attrs[os.path.realpath(static_elf).lstrip("/")] == (mode, st.st_uid, st.st_gid,
                                                               1234567890)
    assert attrs["."] == attrs["etc"] == (stat.S_IFDIR | 0o755, 0, 0, GENERATED_MTIME)
    assert attrs["etc/passwd"] == (stat.S_IFREG | 0o644, 0, 0, GENERATED_MTIME)


def test_gnu_cpio_reads_the_image(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    img = build_image(static_elf)
    listing = subprocess.run(["cpio", "-it", "--quiet"], stdin=img.path.open("rb"),
                             capture_output=True, text=True, check=True).stdout.split()
    assert os.path.realpath(static_elf).lstrip("/") in listing
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
    static_elf.chmod(static_elf.stat().st_mode)  # ctime changes, nothing kept does: same key
    assert build_image(static_elf).key == first.key
    keys = {first.key}
    mtime = static_elf.stat().st_mtime_ns
    with static_elf.open("ab") as f:
        f.write(b"\0" * 16)
    os.utime(static_elf, ns=(mtime, mtime))
    changed = build_image(static_elf)
    assert changed.built and changed.key not in keys
    keys.add(changed.key)
    static_elf.chmod(0o700)
    os.utime(static_elf, ns=(mtime, mtime))
    assert build_image(static_elf).key not in keys


def test_new_mtime_or_owner_new_image(static_elf: Path, cache: Path) -> None:
    keys = {build_image(static_elf).key}
    os.utime(static_elf, (1, 1))
    keys.add(build_image(static_elf).key)
    if os.geteuid() == 0:
        os.chown(static_elf, 4242, 4243)
        keys.add(build_image(static_elf).key)
    assert len(keys) == (3 if os.geteuid() == 0 else 2)


def test_same_bytes_elsewhere_is_another_image(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "hello"
    other.parent.mkdir()
    shutil.copy2(static_elf, other)
    assert build_image(other).key != build_image(static_elf).key


def test_cache_leaves_no_temporary_files(static_elf: Path, cache: Path) -> None:
    build_image(static_elf)
    build_image(static_elf)
    assert sorted(p.name for p in cache.iterdir()) == ["closures", "images", "index.json", "lock"]
    assert all(p.suffix == ".cpio" for p in (cache / "images").iterdir())
    assert all(p.suffix == ".json" for p in (cache / "closures").iterdir())


def test_damaged_index_is_rebuilt(static_elf: Path, cache: Path) -> None:
    first = build_image(static_elf)
    (cache / "index.json").write_text("{not json")
    assert build_image(static_elf).key == first.key  # the memoised image: no index read
    shutil.rmtree(cache / "closures")
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
            cpio.add_file(f"/a/f{size}", EntryAttrs(0o644), io.BytesIO(b"x" * size), size)
    data = out.getvalue()
    assert len(data) % 4 == 0
    entries = read_newc(data)
    assert [e[0] for e in entries] == ["a"] + [f"a/f{i}" for i in range(6)]
    assert [len(e[2]) for e in entries[1:]] == list(range(6))


def test_cpio_writer_keeps_attributes() -> None:
    out = io.BytesIO()
    with CpioWriter(out) as cpio:
        cpio.add_dir("/", EntryAttrs(0o755, 0, 0, 7))
        cpio.add_dir("/d", EntryAttrs(0o1777, 1, 2, 3))
        cpio.add_file("/d/f", EntryAttrs(0o4755, 65534, 4242, 1 << 40), io.BytesIO(b"x"), 1)
        cpio.add_symlink("/d/l", "f", EntryAttrs(0o777, 5, 6, -1))
    assert read_newc_attrs(out.getvalue()) == {
        ".": (stat.S_IFDIR | 0o755, 0, 0, 7),
        "d": (stat.S_IFDIR | 0o1777, 1, 2, 3),
        "d/f": (stat.S_IFREG | 0o4755, 65534, 4242, 0xFFFFFFFF),  # clamped to newc's range
        "d/l": (stat.S_IFLNK | 0o777, 5, 6, 0),
    }


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


def test_program_extent_names_the_programs_bytes(static_elf: Path, cache: Path) -> None:
    """The manifest tells the kernel where the program is in the archive (docs/boot-protocol.md)."""
    img = build_image(static_elf)
    ext = img.program_extent
    assert ext is not None
    data = img.path.read_bytes()
    assert data[ext.offset:ext.offset + ext.size] == static_elf.read_bytes()
    assert ext.mode == stat.S_IFREG | stat.S_IMODE(static_elf.stat().st_mode)
    again = build_image(static_elf)
    assert not again.built and again.program_extent == ext


def test_file_under_an_image_link_lands_where_the_link_leads() -> None:
    from loader.image import EntryAttrs, ImageEntry, resolve_parent_links

    attrs = EntryAttrs(0o777, 0, 0, 0)
    entries = {"/bin": ImageEntry("/bin", "/bin", attrs, "", link_target="usr/bin"),
               "/usr/lib64": ImageEntry("/usr/lib64", "", attrs, "", link_target="/usr/lib")}
    assert resolve_parent_links("/bin/sh", entries) == "/usr/bin/sh"
    assert resolve_parent_links("/usr/lib64/x/y", entries) == "/usr/lib/x/y"
    assert resolve_parent_links("/etc/passwd", entries) == "/etc/passwd"
    assert resolve_parent_links("/bin", entries) == "/bin"
