"""Static syscall discovery: every `syscall` instruction of a program and its
libraries, the number in eax that reaches it, and the libc functions it
imports mapped to the syscalls they make.

How a site is found. The executable sections are searched for the bytes of
`syscall` (0f 05) and `int 0x80` (cd 80) with bytes.find; only a window
before each hit is disassembled (capstone, x86-64), from several start
offsets. x86 decoding resynchronises within a few instructions, so the
starts vote: a hit is an instruction when more decodings end exactly on it
than run through it (the bytes then belong to an immediate or a
displacement). Instructions are trusted once a second decoding, started at
another offset, agrees on their address (or when the window starts at the
section's start).

How the number is found. From the site back, within the same straight-line
code (at most MAX_BACK instructions, stopping at any jump, call, return,
`endbr64` or an instruction not trusted), the first write to eax decides:
`mov eax/rax, imm` gives imm, `xor eax, eax` (or `sub`) gives 0,
`mov eax, reg` continues with that register, anything else (a load, `lea`,
a partial write) leaves the site undetermined. A jump into the middle of
the block from elsewhere cannot be seen without a full control-flow graph;
this is the accepted limit. glibc's `syscall()` and the wrappers that
take the number in a register are undetermined: counted, never hidden.

Which syscalls a program makes. `ScanResult.iter_syscalls("all")` is every
number found anywhere in the closure: for a dynamic program that is all of
libc's, which no program uses at once. `iter_syscalls("likely")` is what
this program's own code reaches: the sites in the program and its non-libc
libraries, the syscalls (LIBC_SYSCALLS) of the libc functions it reaches
(its own imports, followed through its libraries' call graphs from what it
imports from them: loader/callgraph.py), and what ld.so and libc always do
at start-up (STARTUP_SYSCALLS); for a static program every site in it. The
verdict is given on "likely": will fail at start-up, may fail (naming each
missing syscall and the way to it), or runs; a missing syscall with a
fallback from every way it is reached (syscalls/fallbacks.tsv) does not
count.

Results are cached per file, by (path, size, mtime_ns, inode), as JSON under
${XDG_CACHE_HOME:-~/.cache}/pkgload/scan/. Statuses come from
syscalls/table.tsv when asked, so the cache stays valid when it changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import struct
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loader.cache import atomic_output, cache_dir
from loader.cache_lru import touch
from loader.errors import ElfFormatError

if TYPE_CHECKING:
    from capstone import Cs

    from loader.deps import DepClosure

SCAN_VERSION = 1  # bump when the scanner's results change meaning
TABLE_TSV = Path(__file__).resolve().parent.parent / "syscalls" / "table.tsv"
WINDOW = 96  # bytes disassembled before a hit
START_OFFSETS = (96, 95, 93, 90, 64, 32)  # where the voting decodings start, back from the hit
MAX_BACK = 20  # instructions looked at before a site
MAX_COPIES = 3  # `mov eax, reg` hops followed

SYSCALL_BYTES = b"\x0f\x05"
INT80_BYTES = b"\xcd\x80"

# Objects that implement the libc functions: their own sites are what the
# functions do, counted in "all"; a program reaches them through its imports.
LIBC_SONAMES = frozenset(
    {
        "libc.so.6",
        "ld-linux-x86-64.so.2",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "libutil.so.1",
        "libanl.so.1",
        "libm.so.6",
        "libc.musl-x86_64.so.1",
        "ld-musl-x86_64.so.1",
    }
)

# What glibc's ld.so and libc start-up do before main in any dynamic program
# (strace of an empty main on Debian 12), and malloc's first getrandom.
STARTUP_SYSCALLS = (
    "access", "arch_prctl", "brk", "close", "exit_group", "getrandom", "mmap", "mprotect",
    "munmap", "newfstatat", "openat", "pread64", "prlimit64", "read", "rseq",
    "set_robust_list", "set_tid_address",
)  # fmt: skip

# libc functions (glibc 2.36, x86-64) -> the syscalls they make. Data, not
# logic: checked against the sites in Debian's libc.so.6 by the tests. An
# empty tuple means "takes the number from its caller" (undetermined).
_IO = ("read",)
_OUT = ("write",)
_FUTEX = ("futex",)
_MALLOC = ("brk", "mmap", "munmap", "mprotect", "madvise")
_SPAWN = ("clone3", "clone", "execve", "wait4", "rt_sigprocmask", "rt_sigaction", "exit_group")
_SIGACT = ("rt_sigaction", "rt_sigreturn")  # a handler returns through libc's restorer
_NSS = ("openat", "read", "close", "newfstatat", "socket", "connect")
_RESOLVE = (
    "socket",
    "connect",
    "sendmmsg",
    "sendto",
    "recvfrom",
    "poll",
    "openat",
    "read",
    "close",
)
LIBC_SYSCALLS: Mapping[str, tuple[str, ...]] = {
    # files
    "open": ("openat",), "open64": ("openat",), "__open_2": ("openat",),
    "__open64_2": ("openat",), "openat": ("openat",), "openat64": ("openat",),
    "__openat_2": ("openat",), "__openat64_2": ("openat",), "creat": ("creat",),
    "creat64": ("creat",), "fopen": ("openat",), "fopen64": ("openat",),
    "freopen": ("openat", "close"), "fdopen": ("fcntl",), "tmpfile": ("openat", "unlink"),
    "mkstemp": ("openat",), "mkstemp64": ("openat",), "mkostemp": ("openat",),
    "mkdtemp": ("mkdir",), "close": ("close",), "fclose": ("close",),
    "close_range": ("close_range",), "closefrom": ("close_range",),
    "read": _IO, "__read_chk": _IO, "pread": ("pread64",), "pread64": ("pread64",),
    "readv": ("readv",), "preadv": ("preadv",), "preadv64": ("preadv",),
    "preadv2": ("preadv2",), "write": _OUT, "pwrite": ("pwrite64",), "pwrite64": ("pwrite64",),
    "writev": ("writev",), "pwritev": ("pwritev",), "pwritev64": ("pwritev",),
    "pwritev2": ("pwritev2",), "fread": _IO, "fgets": _IO, "fgetc": _IO, "getc": _IO,
    "getchar": _IO, "getline": _IO, "getdelim": _IO, "__getdelim": _IO, "fscanf": _IO,
    "__isoc99_fscanf": _IO, "scanf": _IO, "__isoc99_scanf": _IO, "fwrite": _OUT, "fputs": _OUT,
    "fputc": _OUT, "putc": _OUT, "putchar": _OUT, "puts": _OUT, "printf": _OUT,
    "__printf_chk": _OUT, "fprintf": _OUT, "__fprintf_chk": _OUT, "vprintf": _OUT,
    "vfprintf": _OUT, "__vfprintf_chk": _OUT, "dprintf": _OUT, "perror": _OUT, "fflush": _OUT,
    "lseek": ("lseek",), "lseek64": ("lseek",), "fseek": ("lseek",), "fseeko": ("lseek",),
    "fseeko64": ("lseek",), "ftell": ("lseek",), "ftello": ("lseek",), "rewind": ("lseek",),
    "stat": ("newfstatat",), "stat64": ("newfstatat",), "lstat": ("newfstatat",),
    "lstat64": ("newfstatat",), "fstat": ("newfstatat",), "fstat64": ("newfstatat",),
    "fstatat": ("newfstatat",), "fstatat64": ("newfstatat",), "__xstat": ("stat",),
    "__lxstat": ("lstat",), "__fxstat": ("fstat",), "__fxstatat": ("newfstatat",),
    "statx": ("statx",), "access": ("access",), "faccessat": ("faccessat2", "faccessat"),
    "euidaccess": ("access", "newfstatat", "getuid", "geteuid", "getgid", "getegid"),
    "readlink": ("readlink",),
    "readlinkat": ("readlinkat",), "realpath": ("readlink", "getcwd"), "unlink": ("unlink",),
    "unlinkat": ("unlinkat",), "remove": ("unlink", "rmdir"), "rmdir": ("rmdir",),
    "mkdir": ("mkdir",), "mkdirat": ("mkdirat",), "rename": ("rename",),
    "renameat": ("renameat",), "renameat2": ("renameat2",), "link": ("link",),
    "linkat": ("linkat",), "symlink": ("symlink",), "symlinkat": ("symlinkat",),
    "chmod": ("chmod",), "fchmod": ("fchmod",), "fchmodat": ("fchmodat",), "chown": ("chown",),
    "fchown": ("fchown",), "lchown": ("lchown",), "fchownat": ("fchownat",),
    "truncate": ("truncate",), "truncate64": ("truncate",), "ftruncate": ("ftruncate",),
    "ftruncate64": ("ftruncate",), "fsync": ("fsync",), "fdatasync": ("fdatasync",),
    "sync": ("sync",), "syncfs": ("syncfs",), "dup": ("dup",), "dup2": ("dup2",),
    "dup3": ("dup3",), "fcntl": ("fcntl",), "fcntl64": ("fcntl",), "flock": ("flock",),
    "ioctl": ("ioctl",), "isatty": ("ioctl",), "tcgetattr": ("ioctl",),
    "tcsetattr": ("ioctl",), "pipe": ("pipe2",), "pipe2": ("pipe2",),
    "opendir": ("openat", "newfstatat", "close"), "fdopendir": ("newfstatat", "fcntl"),
    "closedir": ("close",),
    "readdir": ("getdents64",), "readdir64": ("getdents64",), "scandir": ("openat", "getdents64"),
    "getcwd": ("getcwd",), "chdir": ("chdir",), "fchdir": ("fchdir",), "chroot": ("chroot",),
    "umask": ("umask",), "utime": ("utimensat",), "utimes": ("utimensat",),
    "utimensat": ("utimensat",), "futimens": ("utimensat",), "futimes": ("utimensat",),
    "statfs": ("statfs",), "fstatfs": ("fstatfs",), "statvfs": ("statfs",),
    "fstatvfs": ("fstatfs",), "posix_fadvise": ("fadvise64",), "posix_fallocate": ("fallocate",),
    "fallocate": ("fallocate",), "sendfile": ("sendfile",), "sendfile64": ("sendfile",),
    "copy_file_range": ("copy_file_range",), "splice": ("splice",),
    "memfd_create": ("memfd_create",),
    "mknod": ("mknodat",), "mkfifo": ("mknodat",), "inotify_init1": ("inotify_init1",),
    "inotify_add_watch": ("inotify_add_watch",), "inotify_rm_watch": ("inotify_rm_watch",),
    # memory
    "mmap": ("mmap",), "mmap64": ("mmap",), "munmap": ("munmap",), "mprotect": ("mprotect",),
    "madvise": ("madvise",), "posix_madvise": ("madvise",), "mremap": ("mremap",),
    "msync": ("msync",), "mincore": ("mincore",), "mlock": ("mlock",), "munlock": ("munlock",),
    "mlockall": ("mlockall",), "munlockall": ("munlockall",), "brk": ("brk",), "sbrk": ("brk",),
    "malloc": _MALLOC, "calloc": _MALLOC, "realloc": _MALLOC, "free": _MALLOC,
    "posix_memalign": _MALLOC, "aligned_alloc": _MALLOC, "memalign": _MALLOC,
    "dlopen": ("openat", "read", "fstat", "mmap", "mprotect", "munmap", "close"),
    # processes
    "fork": ("clone", "set_robust_list"), "_Fork": ("clone", "set_robust_list"),
    "vfork": ("vfork",), "execve": ("execve",),
    "execv": ("execve",), "execvp": ("execve",), "execvpe": ("execve",), "execl": ("execve",),
    "execlp": ("execve",), "execle": ("execve",), "fexecve": ("execveat",),
    "posix_spawn": _SPAWN, "posix_spawnp": _SPAWN, "system": _SPAWN,
    "popen": (*_SPAWN, "pipe2"), "exit": ("exit_group",), "_exit": ("exit_group",),
    "_Exit": ("exit_group",),
    "abort": ("rt_sigprocmask", "rt_sigaction", "getpid", "gettid", "tgkill"),
    "raise": ("rt_sigprocmask", "getpid", "gettid", "tgkill"), "kill": ("kill",),
    "killpg": ("kill",), "wait": ("wait4",), "waitpid": ("wait4",), "wait3": ("wait4",),
    "wait4": ("wait4",), "waitid": ("waitid",), "getpid": ("getpid",), "getppid": ("getppid",),
    "gettid": ("gettid",), "getuid": ("getuid",), "geteuid": ("geteuid",), "getgid": ("getgid",),
    "getegid": ("getegid",), "getgroups": ("getgroups",), "setgroups": ("setgroups",),
    "setuid": ("setuid",), "setgid": ("setgid",), "seteuid": ("setresuid",),
    "setegid": ("setresgid",), "setreuid": ("setreuid",), "setregid": ("setregid",),
    "setresuid": ("setresuid",), "setresgid": ("setresgid",), "getresuid": ("getresuid",),
    "getresgid": ("getresgid",), "setsid": ("setsid",), "getsid": ("getsid",),
    "setpgid": ("setpgid",), "getpgid": ("getpgid",), "getpgrp": ("getpgrp",),
    "prctl": ("prctl",), "getrlimit": ("prlimit64",), "getrlimit64": ("prlimit64",),
    "setrlimit": ("prlimit64",), "setrlimit64": ("prlimit64",), "prlimit": ("prlimit64",),
    "prlimit64": ("prlimit64",), "getrusage": ("getrusage",), "times": ("times",),
    "sched_yield": ("sched_yield",), "sched_getaffinity": ("sched_getaffinity",),
    "sched_setaffinity": ("sched_setaffinity",), "sched_getparam": ("sched_getparam",),
    "sched_setscheduler": ("sched_setscheduler",), "sched_getscheduler": ("sched_getscheduler",),
    "getpriority": ("getpriority",), "setpriority": ("setpriority",),
    "nice": ("getpriority", "setpriority"),
    "uname": ("uname",), "gethostname": ("uname",), "sethostname": ("sethostname",),
    "sysinfo": ("sysinfo",), "get_nprocs": ("openat", "read", "close", "sched_getaffinity"),
    "sysconf": ("openat", "read", "close", "sched_getaffinity", "prlimit64", "sysinfo"),
    "getrandom": ("getrandom",), "getentropy": ("getrandom",), "syscall": (),
    "personality": ("personality",), "mount": ("mount",), "umount2": ("umount2",),
    # signals and time
    "signal": _SIGACT, "sigaction": _SIGACT, "sigprocmask": ("rt_sigprocmask",),
    "pthread_sigmask": ("rt_sigprocmask",), "sigsuspend": ("rt_sigsuspend",),
    "sigpending": ("rt_sigpending",), "sigtimedwait": ("rt_sigtimedwait",),
    "sigwaitinfo": ("rt_sigtimedwait",), "sigwait": ("rt_sigtimedwait",),
    "sigaltstack": ("sigaltstack",), "sigqueue": ("rt_sigqueueinfo",), "pause": ("pause",),
    "alarm": ("alarm",), "setitimer": ("setitimer",), "getitimer": ("getitimer",),
    "time": ("time",), "gettimeofday": ("gettimeofday",), "clock_gettime": ("clock_gettime",),
    "clock_getres": ("clock_getres",), "clock_nanosleep": ("clock_nanosleep",),
    "nanosleep": ("clock_nanosleep",), "sleep": ("clock_nanosleep",),
    "usleep": ("clock_nanosleep",), "timer_create": ("timer_create",),
    "timer_settime": ("timer_settime",), "timer_delete": ("timer_delete",),
    "timerfd_create": ("timerfd_create",), "timerfd_settime": ("timerfd_settime",),
    "timerfd_gettime": ("timerfd_gettime",), "localtime": ("openat", "read", "close"),
    "localtime_r": ("openat", "read", "close"), "tzset": ("openat", "read", "close"),
    # polling and events
    "poll": ("poll",), "ppoll": ("ppoll",), "select": ("pselect6",), "pselect": ("pselect6",),
    "epoll_create": ("epoll_create",), "epoll_create1": ("epoll_create1",),
    "epoll_ctl": ("epoll_ctl",), "epoll_wait": ("epoll_wait",), "epoll_pwait": ("epoll_pwait",),
    "epoll_pwait2": ("epoll_pwait2",), "eventfd": ("eventfd2",), "eventfd_read": _IO,
    "eventfd_write": _OUT, "signalfd": ("signalfd4",),
    # sockets
    "socket": ("socket",), "socketpair": ("socketpair",), "bind": ("bind",), "listen": ("listen",),
    "accept": ("accept",), "accept4": ("accept4",), "connect": ("connect",),
    "getsockname": ("getsockname",), "getpeername": ("getpeername",),
    "getsockopt": ("getsockopt",), "setsockopt": ("setsockopt",), "send": ("sendto",),
    "sendto": ("sendto",), "sendmsg": ("sendmsg",), "sendmmsg": ("sendmmsg",),
    "recv": ("recvfrom",), "recvfrom": ("recvfrom",), "recvmsg": ("recvmsg",),
    "recvmmsg": ("recvmmsg",), "shutdown": ("shutdown",),
    "getaddrinfo": _RESOLVE, "gethostbyname": _RESOLVE,
    "getpwnam": _NSS, "getpwnam_r": _NSS, "getpwuid": _NSS, "getpwuid_r": _NSS,
    "getgrnam": _NSS, "getgrnam_r": _NSS, "getgrgid": _NSS, "getgrgid_r": _NSS,
    # threads
    "pthread_create": ("clone3", "clone", "mmap", "mprotect", "munmap", "rt_sigprocmask",
                       "sched_getparam", "sched_getscheduler"),
    "pthread_join": _FUTEX, "pthread_mutex_lock": _FUTEX, "pthread_mutex_unlock": _FUTEX,
    "pthread_mutex_timedlock": _FUTEX, "pthread_cond_wait": _FUTEX,
    "pthread_cond_timedwait": _FUTEX, "pthread_cond_signal": _FUTEX,
    "pthread_cond_broadcast": _FUTEX, "pthread_rwlock_rdlock": _FUTEX,
    "pthread_rwlock_wrlock": _FUTEX, "pthread_rwlock_unlock": _FUTEX, "pthread_once": _FUTEX,
    "pthread_barrier_wait": _FUTEX, "sem_wait": _FUTEX, "sem_timedwait": _FUTEX,
    "sem_post": _FUTEX, "pthread_kill": ("tgkill",), "pthread_exit": ("exit", "munmap", "madvise"),
    "pthread_detach": ("munmap",), "pthread_setname_np": ("prctl", "openat", "write", "close"),
    "pthread_getattr_np": ("prlimit64", "openat", "read", "close"),
    "pthread_setaffinity_np": ("sched_setaffinity",),
    "pthread_getaffinity_np": ("sched_getaffinity",),
}  # fmt: skip


# ---------------------------------------------------------------------------
# syscalls/table.tsv


@dataclass(frozen=True)
class Syscall:
    """One row of syscalls/table.tsv."""

    nr: int
    name: str
    status: str  # full, partial, fake, stub, missing
    handler: str
    notes: str


@functools.cache
def load_syscall_table(path: str | None = None) -> dict[int, Syscall]:
    """Read syscalls/table.tsv (or path) into {nr: Syscall}.

    A missing or damaged table is a broken checkout, not a user error:
    OSError and ValueError propagate.
    """
    table: dict[int, Syscall] = {}
    lines = Path(path or TABLE_TSV).read_text().splitlines()
    header = lines[0].split("\t")  # nr, name, status, handler, file, args, notes
    for line in lines[1:]:
        if not line.strip() or line.startswith("#"):
            continue
        row = dict(zip(header, line.split("\t"), strict=False))  # "notes" may be missing
        nr = int(row["nr"])
        table[nr] = Syscall(nr, row["name"], row["status"], row["handler"], row.get("notes", ""))
    return table


def get_syscall(table: Mapping[int, Syscall], nr: int) -> Syscall:
    """Return table's row for nr, or a "missing" row for a number it lacks."""
    row = table.get(nr)
    if row is not None:
        return row
    return Syscall(nr, f"syscall_{nr}", "missing", "-", "not in syscalls/table.tsv")


# ---------------------------------------------------------------------------
# Sites


_FAMILIES = {
    "rax": "rax eax ax al ah", "rbx": "rbx ebx bx bl bh", "rcx": "rcx ecx cx cl ch",
    "rdx": "rdx edx dx dl dh", "rsi": "rsi esi si sil", "rdi": "rdi edi di dil",
    "rbp": "rbp ebp bp bpl", "rsp": "rsp esp sp spl",
    **{f"r{i}": f"r{i} r{i}d r{i}w r{i}b" for i in range(8, 16)},
}  # fmt: skip
_REG_FAMILY = {r: fam for fam, regs in _FAMILIES.items() for r in regs.split()}
_FULL_WIDTH = {r for fam, regs in _FAMILIES.items() for r in regs.split()[:2]}  # 64- and 32-bit
_READ_ONLY_DST = frozenset({"cmp", "test", "bt", "push", "ptest", "ucomiss", "comiss"})
_STOPS = frozenset(
    {"call", "ret", "retf", "iretq", "iretd", "syscall", "sysenter", "sysret", "int", "int1",
     "int3", "into", "ud0", "ud1", "ud2", "hlt", "endbr64", "endbr32", "loop", "loope",
     "loopne", "jrcxz", "jecxz"}
)  # fmt: skip
_STRING_OPS = ("movs", "stos", "lods", "scas", "cmps", "ins", "outs")
_STRING_REGS = ("rcx", "rdi", "rsi", "rax")  # what string instructions may change
# Instructions that write a register family without naming it as their destination.
_IMPLICIT = {
    "rax": {"cpuid", "rdtsc", "rdtscp", "cdqe", "cwde", "cbw", "lahf", "mul", "div", "idiv",
            "xgetbv", "rdmsr", "cmpxchg", "cmpxchg8b", "cmpxchg16b", "in", "rdpkru", "xlatb",
            "lodsb", "lodsw", "lodsd", "lodsq"},
    "rdx": {"cpuid", "rdtsc", "rdtscp", "cdq", "cqo", "cwd", "mul", "div", "idiv", "xgetbv",
            "rdmsr", "cmpxchg8b", "cmpxchg16b", "rdpkru"},
    "rcx": {"cpuid", "rdtscp"},
    "rbx": {"cpuid"},
}  # fmt: skip
_IMM = re.compile(r"^-?(?:0x[0-9a-f]+|\d+)$")

Insn = tuple[int, int, str, str]  # address (offset in the code), size, mnemonic, operands


def _decode(md: Cs, code: bytes, start: int, site: int) -> list[Insn]:
    """Decode code from start up to the instruction at or across site.

    A byte that does not decode is skipped, as objdump does with `(bad)`.
    """
    out: list[Insn] = []
    pos = start
    while pos <= site:
        for insn in md.disasm_lite(code[pos : site + 15], pos):  # 15: longest x86 insn
            out.append(insn)
            pos = insn[0] + insn[1]
            if pos > site:
                return out
        pos += 1  # capstone stopped on a byte it cannot decode
    return out


def _locate(md: Cs, code: bytes, site: int, mnemonic: str) -> tuple[list[Insn], set[int]] | None:
    """Decide whether the bytes at site are an instruction named mnemonic.

    Returns (the longest decoding that ends on it, the addresses confirmed
    by a second decoding), or None when the bytes are inside other
    instructions.
    """
    starts = sorted({max(0, site - k) for k in START_OFFSETS})
    lands: list[list[Insn]] = []
    crosses = 0
    for s in starts:
        insns = _decode(md, code, s, site)
        if not insns or insns[-1][0] + insns[-1][1] <= site:
            continue  # the last bytes before the site do not decode
        if insns[-1][0] == site and insns[-1][2] == mnemonic:
            lands.append(insns)
        else:
            crosses += 1
    if len(lands) <= crosses:
        return None
    primary = lands[0]
    if primary[0][0] == 0:  # starts at the section's start: a real boundary
        return primary, {i[0] for i in primary}
    confirmed: set[int] = set()
    for other in lands[1:]:
        confirmed.update(i[0] for i in other)
    return primary, confirmed


def _family(op: str) -> str | None:
    """Return the register family of an operand that is a bare register, else None."""
    return _REG_FAMILY.get(op.strip())


def _writes(mnem: str, ops: str, fam: str) -> bool:
    """Return True when the instruction may write any part of register family fam."""
    base = mnem.split()[-1] if mnem else mnem
    operands = [o.strip() for o in ops.split(",")] if ops else []
    if base in _IMPLICIT.get(fam, ()):
        return True
    if base == "imul" and len(operands) == 1 and fam in ("rax", "rdx"):
        return True
    if (base.startswith(_STRING_OPS) or mnem.startswith("rep")) and fam in _STRING_REGS:
        return True
    if not operands:
        return False
    if base in ("xchg", "xadd") and any(_family(o) == fam for o in operands):
        return True
    return _family(operands[0]) == fam and base not in _READ_ONLY_DST


def _number_at(insns: list[Insn], confirmed: set[int]) -> int | None:
    """Return the value eax holds at the last instruction of insns, or None if unknown."""
    fam = "rax"
    copies = 0
    nxt = insns[-1][0]
    for addr, size, mnem, ops in reversed(insns[-1 - MAX_BACK : -1]):
        if addr not in confirmed or addr + size != nxt:  # untrusted, or a byte skipped
            return None
        nxt = addr
        base = mnem.split()[-1] if mnem else mnem
        if base in _STOPS or base.startswith("j") or "jmp" in mnem:
            return None
        if not _writes(mnem, ops, fam):
            continue
        dst, _, src = (o.strip() for o in ops.partition(","))
        if _family(dst) != fam or dst not in _FULL_WIDTH:
            return None  # implicit or partial write
        if base in ("mov", "movabs"):
            if _IMM.match(src):
                return int(src, 0) & 0xFFFFFFFFFFFFFFFF
            src_fam = _family(src)
            if src_fam is None or src not in _FULL_WIDTH or copies >= MAX_COPIES:
                return None
            fam, copies = src_fam, copies + 1
            continue
        if base in ("xor", "sub") and src == dst:
            return 0
        return None
    return None


def iter_sites(md: Cs, code: bytes, vaddr: int) -> Iterator[tuple[int, str, int | None]]:
    """Yield (address, "syscall" or "int80", number or None) for each site of one section."""
    for pattern, mnem in ((SYSCALL_BYTES, "syscall"), (INT80_BYTES, "int")):
        at = code.find(pattern)
        while at >= 0:
            found = _locate(md, code, at, mnem)
            if found is not None and (mnem == "syscall" or found[0][-1][3] == "0x80"):
                kind = "syscall" if mnem == "syscall" else "int80"
                yield vaddr + at, kind, _number_at(*found)
            at = code.find(pattern, at + 1)


# ---------------------------------------------------------------------------
# One object


@dataclass(frozen=True)
class ObjectScan:
    """The syscall sites of one ELF file."""

    path: str  # host path as given
    soname: str | None
    interpreter: str | None  # PT_INTERP
    sites: int  # `syscall` instructions found
    determined: dict[int, int]  # syscall number -> sites where eax holds it
    undetermined: int  # sites whose number could not be determined
    undetermined_at: tuple[int, ...]  # their virtual addresses
    int80_sites: int  # `int 0x80` instructions (the i386 ABI; numbers not decoded)
    imports: tuple[str, ...]  # undefined symbols of .dynsym, sorted (see ScanResult.get_imports)
    from_cache: bool = field(default=False, compare=False)

    @property
    def is_libc(self) -> bool:
        """True for the C library and ld.so: their sites are what libc functions do."""
        return self.soname in LIBC_SONAMES

    def to_json(self) -> dict[str, Any]:
        """Return the cacheable form (from_cache left out)."""
        return {
            "path": self.path,
            "soname": self.soname,
            "interpreter": self.interpreter,
            "sites": self.sites,
            "determined": {str(k): v for k, v in sorted(self.determined.items())},
            "undetermined": self.undetermined,
            "undetermined_at": list(self.undetermined_at),
            "int80_sites": self.int80_sites,
            "imports": list(self.imports),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], from_cache: bool = True) -> ObjectScan:
        """Rebuild an ObjectScan from to_json's output."""
        return cls(
            path=data["path"],
            soname=data["soname"],
            interpreter=data["interpreter"],
            sites=data["sites"],
            determined={int(k): v for k, v in data["determined"].items()},
            undetermined=data["undetermined"],
            undetermined_at=tuple(data["undetermined_at"]),
            int80_sites=data["int80_sites"],
            imports=tuple(data["imports"]),
            from_cache=from_cache,
        )


@dataclass(frozen=True)
class _ElfParts:
    """What the scanner reads from one ELF file."""

    code: list[tuple[int, bytes]]  # executable sections as (vaddr, bytes)
    soname: str | None
    interpreter: str | None
    imports: tuple[str, ...]  # undefined symbols of .dynsym, sorted


def _elf_parts(path: str) -> _ElfParts:
    """Read the executable sections, DT_SONAME, PT_INTERP and imports of path."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection
    from elftools.elf.segments import InterpSegment

    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            raise ElfFormatError(f"{path}: not an ELF file")
        f.seek(0)
        try:
            elf = ELFFile(f)
            if elf["e_machine"] != "EM_X86_64" or elf.elfclass != 64:
                raise ElfFormatError(f"{path}: not an x86-64 ELF file")
            code: list[tuple[int, bytes]] = []
            soname = interp = None
            imports: set[str] = set()
            for sec in elf.iter_sections():
                if sec["sh_flags"] & 0x4 and sec["sh_type"] == "SHT_PROGBITS":  # SHF_EXECINSTR
                    code.append((sec["sh_addr"], sec.data()))
                elif isinstance(sec, DynamicSection):
                    for tag in sec.iter_tags("DT_SONAME"):
                        soname = tag.soname
                elif isinstance(sec, SymbolTableSection) and sec.name == ".dynsym":
                    for sym in sec.iter_symbols():
                        if sym["st_shndx"] == "SHN_UNDEF" and sym.name:
                            imports.add(sym.name)
            for seg in elf.iter_segments():
                if isinstance(seg, InterpSegment):
                    interp = seg.get_interp_name()
                elif elf.num_sections() == 0 and seg["p_type"] == "PT_LOAD" and seg["p_flags"] & 1:
                    code.append((seg["p_vaddr"], seg.data()))  # no section headers: PF_X segments
        except (ELFError, struct.error, ValueError) as e:
            raise ElfFormatError(f"{path}: truncated or corrupt ELF file ({e})") from e
    return _ElfParts(code, soname, interp, tuple(sorted(imports)))


def iter_file_sites(path: str | os.PathLike[str]) -> Iterator[tuple[int, str, int | None]]:
    """Yield (virtual address, "syscall" or "int80", number or None) for every site of a file.

    Not cached: scan_object is the cached summary. Raises ElfFormatError for
    a file that is not a readable x86-64 ELF.
    """
    from capstone import CS_ARCH_X86, CS_MODE_64, Cs

    md = Cs(CS_ARCH_X86, CS_MODE_64)
    for vaddr, data in _elf_parts(os.fspath(path)).code:
        yield from iter_sites(md, data, vaddr)


def _scan_file(path: str) -> ObjectScan:
    """Disassemble around every syscall of one file (no cache)."""
    from capstone import CS_ARCH_X86, CS_MODE_64, Cs

    md = Cs(CS_ARCH_X86, CS_MODE_64)
    parts = _elf_parts(path)
    determined: Counter[int] = Counter()
    undetermined: list[int] = []
    int80 = 0
    for vaddr, data in parts.code:
        for addr, kind, nr in iter_sites(md, data, vaddr):
            if kind == "int80":
                int80 += 1
            elif nr is None:
                undetermined.append(addr)
            else:
                determined[nr] += 1
    return ObjectScan(
        path=path,
        soname=parts.soname,
        interpreter=parts.interpreter,
        sites=sum(determined.values()) + len(undetermined),
        determined=dict(sorted(determined.items())),
        undetermined=len(undetermined),
        undetermined_at=tuple(undetermined),
        int80_sites=int80,
        imports=parts.imports,
    )


def _cache_file(real: str) -> Path:
    """Return the cache file for a real path."""
    return cache_dir() / "scan" / (hashlib.sha256(real.encode()).hexdigest()[:32] + ".json")


def scan_object(path: str | os.PathLike[str], *, use_cache: bool = True) -> ObjectScan:
    """Scan one ELF file for syscall sites, through the per-file cache.

    Returns its ObjectScan (from_cache tells whether it was read from the
    cache). Raises ElfFormatError when the file is not a readable x86-64 ELF.
    """
    p = os.fspath(path)
    try:
        real = os.path.realpath(p)
        st = os.stat(real)
    except OSError as e:
        raise ElfFormatError(f"{p}: cannot read ({e.strerror})") from e
    key = [SCAN_VERSION, real, st.st_size, st.st_mtime_ns, st.st_ino]
    cfile = _cache_file(real)
    if use_cache:
        try:
            data = json.loads(cfile.read_bytes())
            if data.get("key") == key:
                touch(cfile)  # its last use, for the cache's eviction
                return ObjectScan.from_json({**data["result"], "path": p})
        except (OSError, ValueError, KeyError, TypeError):
            pass
    result = _scan_file(p)
    if use_cache:
        try:
            with atomic_output(cfile) as f:
                f.write(json.dumps({"key": key, "result": result.to_json()}).encode())
        except OSError:
            pass  # an unwritable cache only costs time
    return result


# ---------------------------------------------------------------------------
# A program and its libraries

Scope = Literal["all", "likely"]


@dataclass(frozen=True)
class SyscallUse:
    """A syscall the program may make, where it was seen, and its status."""

    syscall: Syscall
    sites: int  # `syscall` instructions with this number (in the scope's objects)
    via: tuple[str, ...]  # imported libc functions that make it; "startup" for ld.so/libc start
    libc_sites: int = 0  # "likely": its sites in libc and ld.so, when via says libc makes it

    @property
    def all_sites(self) -> int:
        """The sites the program reaches it through: its own objects' and, through via, libc's."""
        return self.sites + self.libc_sites

    @property
    def name(self) -> str:
        """The syscall's name."""
        return self.syscall.name

    @property
    def status(self) -> str:
        """Its status in syscalls/table.tsv."""
        return self.syscall.status


@dataclass(frozen=True)
class Verdict:
    """Whether the program should run on the kernel, by the statuses of the syscalls it reaches.

    kind "start" (will fail at start-up: a missing syscall of ld.so's and
    libc's start-up), "may" (may fail: missing syscalls its code can reach,
    each with the functions that reach it), "stubs" or "runs". Missing
    syscalls with a fallback from every way they are reached
    (syscalls/fallbacks.tsv) do not count; they are listed in fallbacks.
    """

    kind: Literal["runs", "stubs", "may", "start"]
    missing: tuple[str, ...] = ()
    stubbed: tuple[str, ...] = ()  # status stub or fake
    partial: tuple[str, ...] = ()
    reach: tuple[tuple[str, tuple[str, ...], int], ...] = ()  # (missing name, via, sites)
    fallbacks: tuple[str, ...] = ()  # missing but done without

    def __str__(self) -> str:
        if self.kind == "start":
            text = "will fail at start-up: " + ", ".join(self.missing)
        elif self.kind == "may":
            text = "may fail: " + ", ".join(_reach_text(*r) for r in self.reach)
        elif self.kind == "stubs":
            text = "runs with stubs: " + ", ".join(self.stubbed)
        else:
            text = "runs"
        if self.partial and self.kind in ("runs", "stubs"):
            text += " (partial: " + ", ".join(self.partial) + ")"
        if self.fallbacks and self.kind != "start":
            text += " (falls back from: " + ", ".join(self.fallbacks) + ")"
        return text


def _reach_text(name: str, via: tuple[str, ...], sites: int) -> str:
    """Return `name (via f, g)`, `name (via N sites)`, or the name alone when nothing says how."""
    ways = [v for v in via if v != "startup"][:4]
    ways += [f"{sites} site{'s' if sites != 1 else ''}"] if sites else []
    return f"{name} (via {', '.join(ways)})" if ways else name


def get_verdict(syscalls: Iterable[Syscall | SyscallUse],
                origins: Mapping[str, tuple[str, ...]] | None = None) -> Verdict:
    """Judge a set of syscalls: will fail at start-up / may fail / runs with stubs / runs.

    A missing syscall that ld.so's and libc's start-up makes (via "startup")
    fails every run; one reached otherwise may fail a run, unless every way
    it is reached has a fallback (loader/fallbacks.py); origins says which
    of the program's imports lead to each libc function (ScanResult.get_origins).
    Partial syscalls count as running and are listed.
    """
    origins = origins or {}
    uses = sorted({_as_use(s) for s in syscalls}, key=lambda u: u.syscall.nr)
    partial = tuple(u.name for u in uses if u.status == "partial")
    stubbed = tuple(u.name for u in uses if u.status in ("stub", "fake"))
    missing = [u for u in uses if u.status == "missing"]
    start = tuple(u.name for u in missing if "startup" in u.via)
    if start:
        return Verdict("start", start, stubbed, partial)
    tolerated = tuple(u.name for u in missing if _is_done_without(u, origins))
    reach = tuple((u.name, _untolerated(u, origins), u.sites)
                  for u in missing if u.name not in tolerated)
    if reach:
        return Verdict("may", tuple(r[0] for r in reach), stubbed, partial, reach, tolerated)
    return Verdict("stubs" if stubbed else "runs", (), stubbed, partial, (), tolerated)


def _is_done_without(u: SyscallUse, origins: Mapping[str, tuple[str, ...]]) -> bool:
    """Say whether every way u is reached has a fallback: sites (callers unknown) and
    nothing known need a `*` row; ways need a row naming each (or all its origins)."""
    from loader.fallbacks import is_tolerated

    if u.sites and not is_tolerated(u.name, (), u.sites):
        return False
    if not [v for v in u.via if v != "startup"]:
        return is_tolerated(u.name, (), u.sites) if u.sites else is_tolerated(u.name, ("*",), 0)
    return not _untolerated(u, origins)


def _untolerated(u: SyscallUse, origins: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Return the ways u is reached with no fallback, as `f` or `origin>f` (the program's import
    origin leads to libc's f): a way is done without when f, or every origin of f, has one."""
    from loader.fallbacks import is_tolerated

    out = []
    for f in u.via:
        if f == "startup" or is_tolerated(u.name, (f,), 0):
            continue
        from_ = [o for o in origins.get(f, (f,)) if not is_tolerated(u.name, (o,), 0)]
        out += [f if o == f else f"{o}>{f}" for o in from_]
    return tuple(out)


def _as_use(s: Syscall | SyscallUse) -> SyscallUse:
    """Return s as a SyscallUse (a bare table row: no sites, no ways known)."""
    return s if isinstance(s, SyscallUse) else SyscallUse(s, 0, ())


@dataclass
class ScanResult:
    """The syscall sites of a program and its libraries."""

    objects: list[ObjectScan]  # the program first
    table: dict[int, Syscall]
    dynamic: bool  # loaded by an interpreter (then STARTUP_SYSCALLS apply)

    @property
    def determined(self) -> dict[int, int]:
        """Return syscall number -> sites, over every object."""
        total: Counter[int] = Counter()
        for o in self.objects:
            total.update(o.determined)
        return dict(sorted(total.items()))

    @property
    def undetermined(self) -> int:
        """Return the number of sites whose syscall number is unknown, over every object."""
        return sum(o.undetermined for o in self.objects)

    @property
    def sites(self) -> int:
        """Return the number of `syscall` instructions, over every object."""
        return sum(o.sites for o in self.objects)

    def get_imports(self) -> dict[str, tuple[str, ...]]:
        """Return libc function -> syscall names, for the libc functions the program can reach.

        For a dynamic program: its own imports, followed through its
        libraries' call graphs (loader/callgraph.py) from the functions it
        (and what it reaches) imports from them, and their constructors.
        Without graphs (a library that cannot be read): every import of
        every non-libc object.
        """
        names = self.get_origins()
        return {f: LIBC_SYSCALLS[f] for f in sorted(names) if f in LIBC_SYSCALLS}

    @functools.cached_property
    def _origins(self) -> dict[str, tuple[str, ...]]:
        from loader.callgraph import reachable_imports

        found = reachable_imports([o.path for o in self.objects if not o.is_libc],
                                  self.objects[0].imports) if self.dynamic else None
        if found is None:
            return {f: (f,) for o in self.objects if not o.is_libc for f in o.imports}
        return {f: tuple(sorted(o)) for f, o in found.items()}

    def get_origins(self) -> dict[str, tuple[str, ...]]:
        """Return each libc function the program reaches -> the program's imports that lead to it
        (the function itself when the program calls it; "constructor" for a library's start)."""
        return self._origins

    def _by_name(self) -> dict[str, Syscall]:
        """Return the table indexed by syscall name."""
        return {s.name: s for s in self.table.values()}

    def iter_syscalls(self, scope: Scope = "likely") -> Iterator[SyscallUse]:
        """Yield the syscalls found, by number.

        scope "all": every site of every object, plus imports. scope
        "likely": what the program's own code reaches (see the module
        docstring); for a program without libc objects it equals "all".
        """
        counts: Counter[int] = Counter()
        via: dict[int, list[str]] = {}
        for o in self.objects:
            if scope == "all" or not o.is_libc:
                counts.update(o.determined)
        by_name = self._by_name()
        extra: list[tuple[str, str]] = [
            (sc, fn) for fn, scs in self.get_imports().items() for sc in scs
        ]
        if self.dynamic:
            extra += [(sc, "startup") for sc in STARTUP_SYSCALLS]
        for sc, why in extra:
            row = by_name.get(sc)
            if row is not None:
                via.setdefault(row.nr, []).append(why)
        for name in self.get_origins():  # syscall(NR) calls whose NR the call graphs found
            fn, _, nr = name.partition(":")
            if fn == "syscall" and nr.isdigit() and "syscall" not in via.get(int(nr), []):
                via.setdefault(int(nr), []).append("syscall")
        libc: Counter[int] = Counter()
        if scope == "likely":
            for o in self.objects:
                if o.is_libc:
                    libc.update(o.determined)
        for nr in sorted(set(counts) | set(via)):
            yield SyscallUse(get_syscall(self.table, nr), counts.get(nr, 0), tuple(via.get(nr, ())),
                             libc.get(nr, 0) if nr in via else 0)

    def get_verdict(self, scope: Scope = "likely") -> Verdict:
        """Return the verdict on the syscalls of scope."""
        return get_verdict(self.iter_syscalls(scope), self.get_origins())


def scan_program(
    target: DepClosure | Iterable[str | os.PathLike[str]],
    *,
    table: Mapping[int, Syscall] | None = None,
    use_cache: bool = True,
) -> ScanResult:
    """Scan a program and its libraries for the syscalls they make.

    target is a DepClosure (the program, its interpreter and libraries are
    scanned at their host paths) or paths, the program first.
    Returns the ScanResult. Raises ElfFormatError for a file that is not a
    readable x86-64 ELF.
    """
    from loader.deps import DepClosure

    if isinstance(target, DepClosure):
        paths = [target.host_path(target.program_real)]
        paths += [target.host_path(lib.real_path) for lib in target.iter_objects()]
    else:
        paths = [os.fspath(p) for p in target]
    objects = [scan_object(p, use_cache=use_cache) for p in paths]
    dynamic = bool(objects) and objects[0].interpreter is not None
    return ScanResult(objects, dict(table if table is not None else load_syscall_table()), dynamic)
