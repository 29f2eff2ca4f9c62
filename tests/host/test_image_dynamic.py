"""Images of dynamically linked programs: libraries, symlinks, /etc, --file/--dir."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import loader.image
from host_samples import compile_c
from loader.deps import resolve_deps
from loader.etc import DEFAULT_HOSTNAME, get_etc_files
from loader.image import ExtraPath, build_image
from test_image import read_newc, read_newc_attrs, read_newc_fields

LIBFOO_C = b"int foo(void) { return 42; }\n"
USES_FOO_C = b'#include <stdio.h>\nint foo(void);\nint main(void) { printf("%d\\n", foo()); }\n'


def _entries(img: loader.image.Image) -> dict[str, tuple[int, bytes]]:
    return {"/" + n: (mode, body) for n, mode, body in read_newc(img.path.read_bytes())}


def test_dynamic_image_holds_the_closure(elf_dir: Path, cache: Path) -> None:
    img = build_image(elf_dir / "dynamic")
    entries = _entries(img)
    closure = resolve_deps(elf_dir / "dynamic")
    for lib in closure.iter_objects():
        mode, body = entries[lib.real_path]
        assert stat.S_ISREG(mode) and body == Path(lib.real_path).read_bytes()
        for link in lib.links:
            mode, body = entries[link.path]
            assert mode == stat.S_IFLNK | 0o777 and body == link.target.encode()
    for guest, data in get_etc_files(DEFAULT_HOSTNAME).items():
        assert entries[guest][1] == data
    assert entries["/etc/ld.so.cache"][1] == Path("/etc/ld.so.cache").read_bytes()


def test_warm_dynamic_build_does_no_work(
    elf_dir: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_image(elf_dir / "dynamic")

    def forbidden(*args: object) -> None:
        raise AssertionError("packaging work on a warm run")

    monkeypatch.setattr(loader.image, "_write_image", forbidden)
    monkeypatch.setattr(loader.image, "_sha256_file", forbidden)
    second = build_image(elf_dir / "dynamic")
    assert second.key == first.key and not second.built


def test_extra_dir_keeps_symlinks_and_changes_the_key(
    static_elf: Path, cache: Path, tmp_path: Path
) -> None:
    d = tmp_path / "extra"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "a.txt").write_text("a\n")
    (d / "link").symlink_to("sub/a.txt")
    plain = build_image(static_elf)
    img = build_image(static_elf, extra=[ExtraPath(str(d), "/data")])
    assert img.key != plain.key
    entries = _entries(img)
    assert entries["/data/sub/a.txt"][1] == b"a\n"
    assert entries["/data/link"] == (stat.S_IFLNK | 0o777, b"sub/a.txt")
    (d / "sub" / "a.txt").write_text("b\n")
    assert build_image(static_elf, extra=[ExtraPath(str(d), "/data")]).key != img.key


def test_extra_dir_keeps_attributes_and_empty_folders(
    static_elf: Path, cache: Path, tmp_path: Path
) -> None:
    d = tmp_path / "extra"
    (d / "sub" / "empty").mkdir(parents=True)
    (d / "sub" / "a.txt").write_text("a\n")
    (d / "link").symlink_to("sub/a.txt")
    (d / "sub" / "a.txt").chmod(0o4711)
    (d / "sub").chmod(0o2750)
    (d / "sub" / "empty").chmod(0o755)
    for i, p in enumerate([d / "link", d / "sub" / "a.txt", d / "sub" / "empty", d / "sub", d]):
        os.utime(p, (1000 + i, 1000 + i), follow_symlinks=False)
    img = build_image(static_elf, extra=[ExtraPath(str(d), "/data")])
    attrs = read_newc_attrs(img.path.read_bytes())
    uid, gid = os.getuid(), os.getgid()
    assert attrs["data/link"] == (stat.S_IFLNK | 0o777, uid, gid, 1000)
    assert attrs["data/sub/a.txt"] == (stat.S_IFREG | 0o4711, uid, gid, 1001)
    assert attrs["data/sub/empty"][::3] == (stat.S_IFDIR | 0o755, 1002)
    assert attrs["data/sub"][::3] == (stat.S_IFDIR | 0o2750, 1003)
    assert attrs["data"][3] == 1004
    os.utime(d / "sub" / "empty", (1, 1))
    assert build_image(static_elf, extra=[ExtraPath(str(d), "/data")]).key != img.key


def test_extra_dir_keeps_hard_links(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    d = tmp_path / "extra"
    (d / "sub").mkdir(parents=True)
    (d / "a").write_text("same\n")
    (d / "b").write_text("same\n")
    mtime = (d / "a").stat().st_mtime_ns
    os.utime(d / "b", ns=(mtime, mtime))
    copies = build_image(static_elf, extra=[ExtraPath(str(d), "/data")])
    os.unlink(d / "b")
    os.link(d / "a", d / "b")
    os.link(d / "a", d / "sub" / "c")
    img = build_image(static_elf, extra=[ExtraPath(str(d), "/data")])
    assert img.key != copies.key
    fields = {name: (f[0], f[4], body) for name, f, body in
              read_newc_fields(img.path.read_bytes())}
    ino = fields["data/a"][0]
    assert fields["data/a"] == fields["data/b"] == (ino, 3, b"")  # GNU cpio's order:
    assert fields["data/sub/c"] == (ino, 3, b"same\n")          # the data with the last name
    assert len({f[0] for f in fields.values()}) == len(fields) - 2


def make_uses_foo(d: Path) -> Path:
    """Build d/libfoo.so and d/usesfoo, which needs it (found through its rpath)."""
    compile_c(d / "libfoo.so", "-shared", "-fPIC", source=LIBFOO_C)
    src = d / "usesfoo.c"
    src.write_bytes(USES_FOO_C)
    subprocess.run(["gcc", "-o", str(d / "usesfoo"), str(src), f"-L{d}", "-lfoo",
                    f"-Wl,-rpath,{d}"], check=True)
    return d / "usesfoo"


def test_missing_library_is_one_line_status_2(
    tmp_path: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    prog = make_uses_foo(tmp_path)
    os.unlink(tmp_path / "libfoo.so")
    proc = run_pkgload("run", str(prog))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"Error: libfoo.so: needed by {prog}")
    assert proc.stderr.count("\n") == 1


def test_dynamic_program_runs(
    elf_dir: Path, run_pkgload: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    proc = run_pkgload("run", str(elf_dir / "dynamic"))
    assert (proc.returncode, proc.stdout) == (0, "hello\n"), proc.stderr


def test_file_shipped_before_can_be_the_program(static_elf: Path, cache: Path, tmp_path: Path) -> None:
    """The index then holds the file's hash but no ELF facts: they are read, not assumed."""
    d = tmp_path / "tools"
    d.mkdir()
    shutil.copy2(static_elf, d / "prog")
    build_image(static_elf, extra=[ExtraPath(str(d), str(d))])
    img = build_image(d / "prog")
    assert img.guest_path == str(d / "prog") and img.program.path == d / "prog"
