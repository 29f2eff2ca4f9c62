"""Names of the constants `--trace` shows (open flags, mmap prot and flags, clone
flags, signals, fcntl and ioctl commands, errnos, ...), taken from Python's os,
mmap, signal, fcntl, termios, socket and errno modules. The few that no module
gives are written out below, each from the Linux UAPI header named beside it.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import mmap
import os
import resource
import signal
import socket
import termios
from collections.abc import Iterable

# <linux/sched.h>: Python 3.11's os has none of them.
CLONE_FLAGS = {
    "CLONE_VM": 0x100, "CLONE_FS": 0x200, "CLONE_FILES": 0x400, "CLONE_SIGHAND": 0x800,
    "CLONE_PIDFD": 0x1000, "CLONE_PTRACE": 0x2000, "CLONE_VFORK": 0x4000, "CLONE_PARENT": 0x8000,
    "CLONE_THREAD": 0x10000, "CLONE_NEWNS": 0x20000, "CLONE_SYSVSEM": 0x40000,
    "CLONE_SETTLS": 0x80000, "CLONE_PARENT_SETTID": 0x100000, "CLONE_CHILD_CLEARTID": 0x200000,
    "CLONE_DETACHED": 0x400000, "CLONE_UNTRACED": 0x800000, "CLONE_CHILD_SETTID": 0x1000000,
    "CLONE_NEWCGROUP": 0x2000000, "CLONE_NEWUTS": 0x4000000, "CLONE_NEWIPC": 0x8000000,
    "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000, "CLONE_NEWNET": 0x40000000,
    "CLONE_IO": 0x80000000,
}
# <asm-generic/mman-common.h>, <asm/mman.h>: those Python's mmap lacks.
MAP_EXTRA = {"MAP_FIXED": 0x10, "MAP_GROWSDOWN": 0x100, "MAP_NORESERVE": 0x4000,
             "MAP_NONBLOCK": 0x10000, "MAP_HUGETLB": 0x40000, "MAP_SYNC": 0x80000,
             "MAP_FIXED_NOREPLACE": 0x100000, "MAP_32BIT": 0x40}
# <linux/fcntl.h>: the at-fd and the *at flags (0x200 is AT_REMOVEDIR for unlinkat,
# AT_EACCESS for faccessat2).
AT_FDCWD = -100
AT_FLAGS = {"AT_SYMLINK_NOFOLLOW": 0x100, "AT_SYMLINK_FOLLOW": 0x400, "AT_NO_AUTOMOUNT": 0x800,
            "AT_EMPTY_PATH": 0x1000, "AT_STATX_FORCE_SYNC": 0x2000, "AT_STATX_DONT_SYNC": 0x4000}
AT_REMOVEDIR = {"AT_REMOVEDIR": 0x200}
AT_EACCESS = {"AT_EACCESS": 0x200, "AT_SYMLINK_NOFOLLOW": 0x100, "AT_EMPTY_PATH": 0x1000}
# <linux/futex.h>
FUTEX_OPS = {0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE",
             4: "FUTEX_CMP_REQUEUE", 5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI",
             8: "FUTEX_TRYLOCK_PI", 9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET",
             11: "FUTEX_WAIT_REQUEUE_PI", 12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2"}
FUTEX_PRIVATE, FUTEX_CLOCK_REALTIME = 128, 256
# <asm/prctl.h>
ARCH_PRCTL = {0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS",
              0x1004: "ARCH_GET_GS", 0x3001: "ARCH_CET_STATUS"}
# <linux/errno.h>: the kernel-internal restart codes a traced call can end with.
RESTART_ERRNOS = {512: ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
                  513: ("ERESTARTNOINTR", "To be restarted"),
                  514: ("ERESTARTNOHAND", "To be restarted if no handler"),
                  516: ("ERESTART_RESTARTBLOCK", "Interrupted by signal")}
SIGPROCMASK_HOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}


def _named(module: object, prefixes: Iterable[str], skip: Iterable[str] = ()) -> dict[str, int]:
    """Return the int constants of module whose names start with one of prefixes."""
    return {n: v for n in dir(module) if n.startswith(tuple(prefixes)) and n not in skip
            and isinstance(v := getattr(module, n), int)}


@functools.cache
def open_flags() -> dict[str, int]:
    """Return the O_ flags as the kernel sees them (O_LARGEFILE is 0 in x86-64 user space)."""
    skip = ("O_ACCMODE", "O_RDONLY", "O_WRONLY", "O_RDWR", "O_NDELAY", "O_FSYNC", "O_RSYNC",
            "O_LARGEFILE")
    flags = _named(os, ("O_",), skip)
    flags["O_LARGEFILE"] = 0o100000  # <asm-generic/fcntl.h>
    if "O_TMPFILE" in flags:  # O_TMPFILE includes O_DIRECTORY: show it as itself
        flags["O_TMPFILE"] &= ~os.O_DIRECTORY
    return flags


@functools.cache
def mmap_prot() -> dict[str, int]:
    return _named(mmap, ("PROT_",))


@functools.cache
def mmap_flags() -> dict[str, int]:
    flags = _named(mmap, ("MAP_",), ("MAP_ANON", "MAP_SHARED", "MAP_PRIVATE"))
    return {**flags, **MAP_EXTRA}


@functools.cache
def signal_names() -> dict[int, str]:
    """Return signal number -> SIGNAME (SIGRTMIN+n for the real-time ones)."""
    names = {int(s): s.name for s in signal.Signals if not s.name.startswith("SIGRT")}
    for n in range(signal.SIGRTMIN, signal.SIGRTMAX + 1):
        names[n] = "SIGRTMIN" if n == signal.SIGRTMIN else f"SIGRTMIN+{n - signal.SIGRTMIN}"
    return names


@functools.cache
def fcntl_commands() -> dict[int, str]:
    skip = ("F_EXLCK", "F_SHLCK", "F_RDLCK", "F_WRLCK", "F_UNLCK", "F_GETLK64", "F_SETLK64",
            "F_SETLKW64")
    return {v: n for n, v in sorted(_named(fcntl, ("F_",), skip).items()) if not n.startswith("F_SEAL")}


@functools.cache
def ioctl_requests() -> dict[int, str]:
    return {v: n for n, v in sorted(_named(termios, ("TC", "TIOC", "FIO")).items())
            if v > 0x100 and n not in ("TCSANOW", "TCSADRAIN", "TCSAFLUSH")}


@functools.cache
def wait_options() -> dict[str, int]:
    return _named(os, ("WNOHANG", "WUNTRACED", "WCONTINUED", "WEXITED", "WSTOPPED", "WNOWAIT"))


@functools.cache
def rlimit_names() -> dict[int, str]:
    return {v: n for n, v in _named(resource, ("RLIMIT_",)).items()}


@functools.cache
def socket_families() -> dict[int, str]:
    return {v: n for n, v in sorted(_named(socket, ("AF_",)).items(), reverse=True)}


@functools.cache
def socket_types() -> dict[int, str]:
    return {v: n for n, v in _named(socket, ("SOCK_",), ("SOCK_CLOEXEC", "SOCK_NONBLOCK")).items()}


def errno_text(code: int) -> str:
    """Return `ENOENT (No such file or directory)` for 2, as strace shows a failure."""
    if code in RESTART_ERRNOS:
        name, text = RESTART_ERRNOS[code]
        return f"{name} ({text})"
    return f"{errno.errorcode.get(code, f'errno {code}')} ({os.strerror(code)})"


def format_bits(value: int, names: dict[str, int], rest_hex: bool = True) -> str:
    """Return value as NAME|NAME|0x.. from names (name -> bit mask); "0" when it is 0."""
    parts = []
    for name, bit in sorted(names.items(), key=lambda kv: kv[1]):
        if bit and value & bit == bit:
            parts.append(name)
            value &= ~bit
    if value or not parts:
        parts.append(hex(value) if rest_hex and value else str(value))
    return "|".join(parts)
