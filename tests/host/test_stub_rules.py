"""loader/stubs.py: stub rules as the host checks and encodes them, and the manifest field."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.manifest import LAYOUT, MANIFEST_VIRT, SEED_BYTES, Manifest, encode_manifest
from loader.stubs import StubError, encode_rules, get_rules, load_set, parse_rule


@pytest.mark.parametrize("value, encoded", [
    (999, "102:c:999"), ("0", "102:c:0"), ("-1", "102:c:-1"), ("-EPERM", "102:c:-1"),
    ("EACCES", "102:c:-13"), ("same:999", "102:s:999"),
])
def test_rule_forms(value: object, encoded: str) -> None:
    assert parse_rule("getuid", value).encode() == encoded


def test_zero_knows_where_the_output_is() -> None:
    assert parse_rule("uname", "zero").encode() == "63:z:0:390"
    assert parse_rule("newfstatat", "zero").encode() == "262:z:2:144"


@pytest.mark.parametrize("name, value", [("getuid", True), ("getuid", 1.5), ("getuid", "-E"),
                                         ("getuid", "same:x"), ("nosuch", 0)])
def test_bad_rules_raise(name: str, value: object) -> None:
    with pytest.raises(StubError, match=f"^stub {name}="):
        parse_rule(name, value)


def test_later_rules_win_and_sets_load() -> None:
    rules = get_rules(["nonroot", "root"], ["getuid=5"])
    by_name = {r.name: r.encode() for r in rules}
    assert by_name["getuid"] == "102:c:5" and by_name["geteuid"] == "107:c:0"
    assert by_name["getgroups"] == "115:c:0"  # from nonroot, which root does not override
    assert [r.nr for r in rules] == sorted(r.nr for r in rules)
    assert {r.name for r in load_set("numa")} == {"set_mempolicy", "get_mempolicy", "mbind"}
    assert parse_rule("get_mempolicy", "zero").encode() == "239:z:0:4"


def test_a_bad_set_file_names_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[syscalls]\nfrob = 1\ngetuid = \"-ENOPE\"\n")
    with pytest.raises(StubError) as e:
        load_set(str(bad))
    assert str(e.value) == (f"{bad}: stub frob=1: frob is not a syscall of x86-64 Linux; "
                            "stub getuid=-ENOPE: ENOPE is not an errno name")
    (tmp_path / "nosection.toml").write_text("getuid = 1\n")
    with pytest.raises(StubError, match="expected a \\[syscalls\\] table"):
        load_set(str(tmp_path / "nosection.toml"))


def test_manifest_carries_the_rules_before_argv() -> None:
    text = encode_rules(get_rules(["nonroot"], []))
    m = Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="000", seed="00" * SEED_BYTES, time_ns=0,
                 stubs=text)
    raw = encode_manifest(m)
    field = {f.name: f for f in LAYOUT.fields}["stubs"]
    at = int.from_bytes(raw[field.offset:field.offset + 8], "little") - MANIFEST_VIRT
    assert raw[at:raw.index(b"\0", at)].decode() == text
    argv0 = int.from_bytes(raw[LAYOUT.header_size:LAYOUT.header_size + 8], "little") - MANIFEST_VIRT
    assert at < argv0  # the kernel copies argv's and envp's strings as one block from argv[0]
    none = encode_manifest(Manifest(path="/p", argv=["p"], env=[], cwd="/", tty="000",
                                    seed="00" * SEED_BYTES, time_ns=0))
    assert int.from_bytes(none[field.offset:field.offset + 8], "little") == 0
