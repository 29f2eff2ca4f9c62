"""The kernel's exit records as the host reads them (loader/vm.py), exec failures included."""

from __future__ import annotations

import errno

from loader.vm import ExitRecord, RunResult, parse_exit_record


def test_exec_error_record() -> None:
    log = b"exec /x: cannot start it (error 8)\npkgload-exit exec-error=8\n"
    assert parse_exit_record(log) == ExitRecord(exec_error=8)


def test_exec_error_message_is_a_shells() -> None:
    result = RunResult(126, None, b"", exec_error=errno.ENOEXEC)
    assert result.get_signal_message() == "pkgload: cannot execute the program: Exec format error"


def test_status_and_signal_records_unchanged() -> None:
    assert parse_exit_record(b"pkgload-exit status=3\n") == ExitRecord(status=3)
    assert parse_exit_record(b"pkgload-exit signal=11\n") == ExitRecord(signal=11)
    assert parse_exit_record(b"pkgload-exit panic\n") == ExitRecord(panic=True)
