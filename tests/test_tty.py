"""Interactive programs on a terminal: a REPL or shell typed at through a pty.

On a terminal these programs use line editing (readline: select/pselect6 on
stdin, termios), and a job-control shell claims the terminal (TIOCSPGRP).
Each case holds the same conversation with the program natively and under
`pkgload run` (^C included: it reaches the program as SIGINT), both on a fresh pty of the same size that is their
controlling terminal: everything the terminal shows, and the exit status,
must be the same.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 120.0  # seconds for one session; TCG is slow, none should come near it
ROWS, COLUMNS = 30, 100  # not 24x80: the guest must get the host terminal's size
# ^C is typed a moment after its prompt, as a person would: readline checks
# for a signal only when its select() is interrupted, so a SIGINT that comes
# between the prompt and the select() is taken and then missed (natively
# too, but natively that window is microseconds; in the VM, milliseconds).
CTRL_C = b"\x03"
SIGNAL_SETTLE = 0.5
GUEST_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/"}


@dataclass(frozen=True)
class Session:
    """A program and a conversation: wait for each prompt, then type the line."""

    argv: tuple[str, ...]
    steps: tuple[tuple[bytes, bytes], ...]  # (prompt, line typed when it appears)
    label: str = ""

    @property
    def id(self) -> str:
        return "-".join([Path(a).name for a in self.argv] + ([self.label] if self.label else []))


SESSIONS = (
    Session(("/usr/bin/python3",), ((b">>> ", b"print(6 * 7)\n"), (b">>> ", b"import sys; sys.exit(3)\n"))),
    # ^C: the terminal (in the modes readline asked for, ISIG on) signals
    # pkgload, which passes SIGINT on; Python's handler ends readline's
    # select() with EINTR and raises KeyboardInterrupt at the prompt.
    Session(("/usr/bin/python3",), ((b">>> ", b"\x03"), (b"KeyboardInterrupt\r\n>>> ", b"print(6 * 7)\n"),
                                    (b">>> ", b"import sys; sys.exit(3)\n")), label="ctrl-c"),
    Session(("/usr/bin/sqlite3",), ((b"sqlite> ", b"select 6 * 7;\n"), (b"sqlite> ", b".quit\n"))),
    Session(("/usr/bin/lua5.4",), ((b"> ", b"print(6 * 7)\n"), (b"> ", b"os.exit(4)\n"))),
    Session(("/bin/busybox", "sh"), ((b"# ", b"echo $((6 * 7))\n"), (b"# ", b"exit 5\n"))),
)


def _take_terminal() -> None:
    """In the child: a new session whose controlling terminal is stdin, as a login shell has."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_on_pty(argv: list[str], steps: tuple[tuple[bytes, bytes], ...],
               extra_env: dict[str, str] | None = None) -> tuple[int, bytes, bool]:
    """Run argv on a new pty (stdin, stdout, stderr); hold the conversation.

    Returns the exit status, everything the terminal showed, and whether the
    terminal's modes at the end are those it had at the start.

    The environment is the one a guest gets (PATH, HOME; no TERM), so the
    native run sees what the guest sees. Each line is typed the moment its
    prompt appears: the terminal must already be in the modes the program
    set before printing the prompt.
    """
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    modes = termios.tcgetattr(terminal)
    proc = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, cwd="/",
                            env={**GUEST_ENV, **(extra_env or {})}, preexec_fn=_take_terminal)
    output, seen, todo = bytearray(), 0, list(steps)
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            if todo and todo[0][0] in output[seen:]:
                seen = output.index(todo[0][0], seen) + len(todo[0][0])
                if todo[0][1] == CTRL_C:
                    time.sleep(SIGNAL_SETTLE)
                os.write(controller, todo.pop(0)[1])
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                output += os.read(controller, 65536)
            elif proc.poll() is not None:   # ended, and all it wrote has been read
                break
        status = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        restored = termios.tcgetattr(terminal) == modes
        os.close(terminal)
        os.close(controller)
    return status, bytes(output), restored


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_interactive_session_matches_native(session: Session, pkgload: Path) -> None:
    if not shutil.which(session.argv[0]):
        pytest.fail(f"{session.argv[0]} is not installed (tools/setup installs it)", pytrace=False)
    native = run_on_pty(list(session.argv), session.steps)
    # pkgload itself needs the session's cache (tests/conftest.py); the guest never sees it
    cache_env = {"XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]}
    guest = run_on_pty([str(pkgload), "run", *session.argv], session.steps, cache_env)
    assert b"42" in native[1] and native[2], f"the native session went wrong: {native!r}"
    assert guest == native, f"pkgload run: {guest!r}\nnative:      {native!r}"   # modes restored too
