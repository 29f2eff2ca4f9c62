"""The boot manifest of docs/boot-protocol.md and the environment a program gets.

Manifests are decoded here by the offsets kernel/manifest.tsv gives (not by
loader.manifest's Struct), and docs/boot-protocol.md's table is checked
against that file, the one definition both the host and the kernel's header
are made from.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from loader.console import MSG_EOF, decode_message, encode_message
from loader.errors import ImageError
from loader.identity import Identity
from loader.manifest import (
    DEFAULT_ENV,
    MANIFEST_MAX_BYTES,
    RELAY_STDIN,
    SEED_BYTES,
    Manifest,
    ProgramExtent,
    encode_manifest,
    make_env,
    make_manifest,
)
from loader.manifest_layout import SPEC, SpecError, read_layout

DEFAULT_PAIRS = [f"{k}={v}" for k, v in DEFAULT_ENV.items()]
LAYOUT = read_layout()
FIELD = {f.name: f for f in LAYOUT.fields}
BOOT_PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "boot-protocol.md"


def decode(raw: bytes) -> dict[str, object]:
    """Read a manifest by the spec's offsets, checking what the kernel relies on."""
    def field(name: str) -> int:
        f = FIELD[name]
        return int.from_bytes(raw[f.offset:f.offset + f.size], "little")

    base, header = LAYOUT.consts["VIRT"], LAYOUT.header_size
    assert raw[:8] == b"pkgload\0" and field("version") == LAYOUT.consts["VERSION"]
    assert field("size") == len(raw) and field("base") == base and raw[-1] == 0
    argc, envc = field("argc"), field("envc")

    def string(addr: int) -> bytes:
        assert base + header <= addr < base + len(raw)
        return raw[addr - base:raw.index(b"\0", addr - base)]

    def array(addr: int, n: int) -> list[bytes]:
        slots = [int.from_bytes(raw[addr - base + 8 * i:addr - base + 8 * i + 8], "little") for i in range(n + 1)]
        assert slots[-1] == 0
        return [string(a) for a in slots[:-1]]

    # The arrays follow the header, envp's after argv's; argv's and envp's
    # strings come last, in order (kernel/exec/stack.c copies them as a block).
    assert field("argv") == base + header and field("envp") == field("argv") + 8 * (argc + 1)
    argv, env = array(field("argv"), argc), array(field("envp"), envc)
    first = int.from_bytes(raw[header:header + 8], "little") - base   # argv[0]
    assert raw[first:].split(b"\0")[:-1] == argv + env
    seed = FIELD["seed"]
    return {
        "flags": field("flags"), "winsize": (field("win_rows"), field("win_cols")),
        "time": field("time_ns"), "seed": raw[seed.offset:seed.offset + seed.size].hex(),
        "program": (field("program_offset"), field("program_size"), field("program_mode")),
        "reserved": field("reserved"), "ids": (field("uid"), field("gid")),
        "path": string(field("path")), "cwd": string(field("cwd")), "hostname": string(field("hostname")),
        "termios": string(field("termios")) if field("termios") else b"",
        "argv": argv, "env": env,
    }  # fmt: skip


def test_boot_protocol_table_is_the_spec() -> None:
    text = BOOT_PROTOCOL.read_text()
    section = text[text.index("## The manifest"):text.index("## Standard input")]
    rows = re.findall(r"^\| (\d+) \| (\d*) ?\|", section, re.M)
    spec = [(f.offset, f.size) for f in LAYOUT.fields]
    # A row per field, then the arrays' row.
    assert [(int(o), int(n)) for o, n in rows[:-1]] == spec
    assert rows[-1] == (str(LAYOUT.header_size), "")
    assert f"version: {LAYOUT.consts['VERSION']}" in section
    assert f"{LAYOUT.consts['PHYS']:#x}" in section and f"{LAYOUT.consts['VIRT']:#x}" in section


def test_spec_refuses_a_misaligned_field(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.tsv"
    bad.write_text(SPEC.read_text().replace("field\twin_cols\tu16", "field\twin_cols\tu32"))
    with pytest.raises(SpecError, match="win_cols at offset 30 is not aligned to 4"):
        read_layout(bad)


def test_manifest_layout() -> None:
    m = Manifest(path="/x/prog", argv=["prog", "a b", ""], env=["A=1", "B="], cwd="/tmp",
                 tty="010", seed="ab" * SEED_BYTES, time_ns=123, program=ProgramExtent(512, 900, 0o100755))
    assert decode(encode_manifest(m)) == {
        "flags": 0b010, "winsize": (0, 0), "time": 123, "seed": "ab" * SEED_BYTES,
        "program": (512, 900, 0o100755), "reserved": 0, "ids": (0, 0),
        "path": b"/x/prog", "cwd": b"/tmp", "hostname": b"pkgload", "termios": b"",
        "argv": [b"prog", b"a b", b""], "env": [b"A=1", b"B="],
    }  # fmt: skip


def test_make_manifest_fills_host_facts() -> None:
    m = make_manifest("/p", ["./p", "x"], ["A=1"])
    assert (m.path, m.argv, m.env, m.cwd) == ("/p", ["./p", "x"], ["A=1"], os.getcwd())
    assert re.fullmatch(r"[01]{3}", m.tty)
    assert m.tty == "".join("1" if os.isatty(fd) else "0" for fd in (0, 1, 2))
    assert re.fullmatch(f"[0-9a-f]{{{2 * SEED_BYTES}}}", m.seed)
    assert m.seed != make_manifest("/p", [], []).seed
    assert abs(m.time_ns - __import__("time").time_ns()) < 60 * 10**9


def test_non_utf8_arguments_pass_through() -> None:
    arg = os.fsdecode(b"caf\xe9")
    assert decode(encode_manifest(make_manifest("/p", ["p", arg], [])))["argv"] == [b"p", b"caf\xe9"]


def test_stdin_relay_key() -> None:
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="000", seed="", time_ns=0,
                 stdin_relay=True)
    assert decode(encode_manifest(m))["flags"] == 1 << 3
    relayed = bool(decode(encode_manifest(make_manifest("/p", ["p"], [])))["flags"] & 1 << 3)
    assert relayed == RELAY_STDIN


def test_control_message_layout() -> None:
    """kernel/fs/console.c reads 16 bytes: u32 type, u32 arg, u64 value, little-endian."""
    message = encode_message(MSG_EOF, 2, 0x0102030405)
    assert message == b"\x01\0\0\0" + b"\x02\0\0\0" + b"\x05\x04\x03\x02\x01\0\0\0"
    assert decode_message(message) == (MSG_EOF, 2, 0x0102030405)


def test_nul_in_value_is_refused() -> None:
    with pytest.raises(ImageError):
        encode_manifest(make_manifest("/p", ["p", "a\0b"], []))


def test_env_defaults_only() -> None:
    assert make_env([], host_env={"SECRET": "x"}) == DEFAULT_PAIRS


def test_env_adds_in_order_and_replaces_in_place() -> None:
    env = make_env(["B=2", "HOME=/root", "A=1", "B=3", "EQ=a=b", "EMPTY="], host_env={})
    assert env == [DEFAULT_PAIRS[0], "HOME=/root", "B=3", "A=1", "EQ=a=b", "EMPTY="]


def test_user_ids_are_in_the_manifest() -> None:
    who = Identity(1000, 1001, "u", "g", "/home/u")
    m = make_manifest("/p", ["p"], [], identity=who)
    assert decode(encode_manifest(m))["ids"] == (1000, 1001)
    top = Identity(2**32 - 2, 2**32 - 2, "u", "g", "/home/u")
    assert decode(encode_manifest(make_manifest("/p", ["p"], [], identity=top)))["ids"] == (
        2**32 - 2, 2**32 - 2)


def test_home_follows_the_user_unless_given() -> None:
    who = Identity(1000, 1000, "u", "u", "/home/u")
    assert make_env([], host_env={}, identity=who) == [DEFAULT_PAIRS[0], "HOME=/home/u"]
    assert make_env(["HOME=/x"], host_env={}, identity=who) == [DEFAULT_PAIRS[0], "HOME=/x"]
    assert make_env([], host_env={}, identity=Identity()) == DEFAULT_PAIRS


def test_env_key_alone_takes_host_value_or_nothing() -> None:
    env = make_env(["TERM", "MISSING"], host_env={"TERM": "xterm"})
    assert env == [*DEFAULT_PAIRS, "TERM=xterm"]


def test_winsize_is_rows_then_columns() -> None:
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="111", seed="", time_ns=0, winsize=(30, 100))
    assert decode(encode_manifest(m))["winsize"] == (30, 100)


def test_no_terminal_no_winsize() -> None:
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="000", seed="", time_ns=0)
    assert decode(encode_manifest(m))["winsize"] == (0, 0)


def test_terminal_modes_are_the_fourth_string() -> None:
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="100", seed="", time_ns=0, term_modes="1 2 3 4 5")
    assert decode(encode_manifest(m))["termios"] == b"1 2 3 4 5"


def test_too_big_is_refused_in_one_line() -> None:
    with pytest.raises(ImageError, match="more than the"):
        encode_manifest(make_manifest("/p", ["p", "x" * MANIFEST_MAX_BYTES], []))
