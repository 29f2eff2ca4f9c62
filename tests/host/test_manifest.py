"""The boot manifest of docs/boot-protocol.md and the environment a program gets."""

from __future__ import annotations

import os
import re

import pytest

from loader.errors import ImageError
from loader.image import (DEFAULT_ENV, RELAY_STDIN, SEED_BYTES, Manifest, encode_manifest, make_env,
                          make_manifest)
from loader.vm import escape_stdin

DEFAULT_PAIRS = [f"{k}={v}" for k, v in DEFAULT_ENV.items()]


def decode(raw: bytes) -> list[tuple[str, str]]:
    """Split a manifest into its (key, value) pairs."""
    assert raw.endswith(b"\0")
    parts = raw[:-1].split(b"\0")
    assert len(parts) % 2 == 0
    return [(parts[i].decode(), parts[i + 1].decode()) for i in range(0, len(parts), 2)]


def test_manifest_layout() -> None:
    m = Manifest(path="/x/prog", argv=["prog", "a b", ""], env=["A=1", "B="], cwd="/tmp",
                 tty="010", seed="ab" * 32, time_ns=123)
    assert decode(encode_manifest(m)) == [
        ("pkgload-manifest", "1"),
        ("path", "/x/prog"),
        ("arg", "prog"), ("arg", "a b"), ("arg", ""),
        ("env", "A=1"), ("env", "B="),
        ("cwd", "/tmp"),
        ("tty", "010"),
        ("seed", "ab" * 32),
        ("time", "123"),
        ("hostname", "pkgload"),
    ]  # fmt: skip


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
    raw = encode_manifest(make_manifest("/p", ["p", arg], []))
    assert b"\0arg\0caf\xe9\0" in raw


def test_stdin_relay_key() -> None:
    m = Manifest(path="/p", argv=[], env=[], cwd="/", tty="000", seed="", time_ns=0,
                 stdin_relay=True)
    assert decode(encode_manifest(m))[-1] == ("stdin", "relay")
    relayed = ("stdin", "relay") in decode(encode_manifest(make_manifest("/p", [], [])))
    assert relayed == RELAY_STDIN


def test_stdin_escape() -> None:
    assert escape_stdin(b"a\xffb\xff") == b"a\xff\x00b\xff\x00"
    assert escape_stdin(b"") == b""


def test_nul_in_value_is_refused() -> None:
    with pytest.raises(ImageError):
        encode_manifest(make_manifest("/p", ["p", "a\0b"], []))


def test_env_defaults_only() -> None:
    assert make_env([], host_env={"SECRET": "x"}) == DEFAULT_PAIRS


def test_env_adds_in_order_and_replaces_in_place() -> None:
    env = make_env(["B=2", "HOME=/root", "A=1", "B=3", "EQ=a=b", "EMPTY="], host_env={})
    assert env == [DEFAULT_PAIRS[0], "HOME=/root", "B=3", "A=1", "EQ=a=b", "EMPTY="]


def test_env_key_alone_takes_host_value_or_nothing() -> None:
    env = make_env(["TERM", "MISSING"], host_env={"TERM": "xterm"})
    assert env == [*DEFAULT_PAIRS, "TERM=xterm"]


def test_winsize_is_rows_then_columns() -> None:
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="111", seed="", time_ns=0, winsize=(30, 100))
    assert decode(encode_manifest(m))[-1] == ("winsize", "30 100")


def test_no_terminal_no_winsize() -> None:
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="000", seed="", time_ns=0)
    assert all(key != "winsize" for key, _ in decode(encode_manifest(m)))
