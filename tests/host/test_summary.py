"""loader/summary.py: the kernel's exit summary lines, the line `run` prints, saved runs."""

from __future__ import annotations

from pathlib import Path

from loader.summary import SyscallSummary, get_missing_message, load_runs, parse_summary, save_run

LOG = b"""boot: entry-to-exit 1234 us
syscalls: made read=3 write=1 set_mempolicy=2 getuid=1 pkey_alloc=1
syscalls: made exit_group=1
syscalls: missing set_mempolicy=2 pkey_alloc=1
syscalls: stubbed getuid=1
pkgload-exit status=1
"""


def test_parse_summary_reads_every_line() -> None:
    s = parse_summary(LOG)
    assert s is not None
    assert s.made == {"read": 3, "write": 1, "set_mempolicy": 2, "getuid": 1, "pkey_alloc": 1, "exit_group": 1}
    assert (s.missing, s.stubbed) == ({"set_mempolicy": 2, "pkey_alloc": 1}, {"getuid": 1})
    assert parse_summary(b"pkgload-exit status=0\n") is None


def test_missing_message_names_calls_and_sets() -> None:
    assert get_missing_message(SyscallSummary(made={"read": 1})) is None
    line = get_missing_message(SyscallSummary(missing={"clone3": 1, "pkey_alloc": 3}))
    assert line == ("pkgload: the program called pkey_alloc, clone3 (not implemented); "
                    "pkgload stubs can suggest stubs")
    line = get_missing_message(SyscallSummary(missing={"mbind": 1, "set_mempolicy": 1}))
    assert line == ("pkgload: the program called mbind, set_mempolicy (not implemented); "
                    "--stubs numa would stand in for them")


def test_saved_runs_of_a_program_add_up(tmp_path: Path) -> None:
    save_run(tmp_path, "/a/prog", ["/a/prog", "1"], SyscallSummary({"read": 2}, {}, {}))
    save_run(tmp_path, "/a/prog", ["/a/prog", "2"],
             SyscallSummary({"read": 1, "set_mempolicy": 1}, {"set_mempolicy": 1}))
    save_run(tmp_path, "/b/prog", ["/b/prog"], SyscallSummary({"write": 1}))
    runs = {r["program"]: r for r in load_runs(tmp_path)}
    assert set(runs) == {"/a/prog", "/b/prog"}
    a = runs["/a/prog"]
    assert (a["runs"], a["made"], a["missing"], a["argv"]) == (2, {"read": 3, "set_mempolicy": 1}, {"set_mempolicy": 1},
                                                               ["/a/prog", "2"])
    assert runs["/b/prog"]["made"] == {"write": 1}
