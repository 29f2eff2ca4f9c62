"""Differential tests: each C test program, run natively and under `pkgload run`.

Both runs get the same argv, the same environment (the one pkgload gives a
guest by default, plus the case's -e variables), stdin from /dev/null and
pipes for stdout and stderr. stdout, stderr and the exit status must match
byte for byte. A native death by signal N must come back from pkgload as
status 128+N with strsignal(N) appended to stderr, as a shell reports it.

The thread programs (`thread_*.c`) run under pkgload twice, with `--smp 1`
and `--smp 2`, as do the cases that say so (`smp`: forks of big or threaded
processes, where copy-on-write meets other CPUs' TLBs); the others once,
with `--smp 1`. A case names what the kernel
must have for it to pass (`needs`: syscalls of syscalls/table.tsv, or the
vDSO); while one of them is lacking, its guest runs are expected to fail
(kernel_features.py).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import kernel_features
from cprograms import FLAVOUR_NAMES, get_binary_path, iter_program_sources

# What a guest sees unless -e adds to it (docs/host.md): PATH, HOME, then each
# -e in order, a repeated key replacing the earlier value in place, exactly
# as a dict update does.
GUEST_BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/",
}
# Both runs start here: pkgload hands its own cwd to the guest (docs/host.md).
RUN_CWD = "/"
RUN_TIMEOUT = 120  # seconds; TCG is slow, but no case should come near this
LOG_TAIL_LINES = 30
THREAD_PREFIX = "thread_"  # programs run under --smp 1 and --smp 2
THREAD_SMP = (1, 2)


@dataclass(frozen=True)
class Case:
    """One program with its arguments and extra environment."""

    program: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    label: str = ""
    stdin: bytes | None = None  # None: stdin is /dev/null
    needs: tuple[str, ...] = ()  # table.tsv syscall names, or "vdso", it cannot pass without
    known_bug: str = ""  # a kernel bug it shows, reported, not fixed yet: strict xfail
    smp: tuple[int, ...] = ()  # vCPU counts to run it with; () means by its name (THREAD_SMP or 1)

    @property
    def id(self) -> str:
        return f"{self.program}-{self.label}" if self.label else self.program


@dataclass(frozen=True)
class Outcome:
    """What one run produced."""

    status: int  # subprocess returncode: negative for death by signal natively
    stdout: bytes
    stderr: bytes
    log: str = field(default="", compare=False)


# What every thread program needs: glibc tries clone3 first and falls back
# to clone, musl calls clone.
THREADS = ("clone",)

# What the process programs (proc_*.c) need: glibc's fork is clone without
# CLONE_VM, musl's the fork syscall; both wait through wait4. posix_spawn is
# clone(CLONE_VM|CLONE_VFORK) in both: "vfork" stands for it.
FORK = ("fork", "wait4")
EXEC = (*FORK, "execve")
SPAWN = (*EXEC, "vfork")

# What the AF_UNIX programs (net_unix*.c) need.
UNIX_SOCKETS = ("socket", "socketpair", "bind", "listen", "accept4", "connect", "sendmsg", "recvmsg")

# Text, every byte value, and the relay's escape bytes (ff 00, ff 01) as data.
STDIN_DATA = (
    b"".join(b"stdin line %d\n" % i for i in range(1000))
    + bytes(range(256)) * 8
    + b"\xff\x01\xff\x00\xff\xff\x01 after the escapes\n"
)

CASES = (
    Case("hello"),
    Case("args_env", label="bare"),
    Case(
        "args_env",
        args=("one", "two words", "", "ünïcødé", "--flag=x", "-e", "tab\there"),
        env=(
            ("PKGLOAD_TEST_A", "value with spaces"),
            ("PKGLOAD_TEST_EMPTY", ""),
            ("PKGLOAD_TEST_EQ", "a=b=c"),
        ),
        label="args",
    ),
    Case("args_env", env=(("HOME", "/root"), ("PKGLOAD_TEST_A", "x")), label="override"),
    Case("exit_code", args=("0", "return"), label="0-return"),
    Case("exit_code", args=("1", "exit"), label="1-exit"),
    Case("exit_code", args=("42", "_exit"), label="42-_exit"),
    Case("exit_code", args=("255", "exit"), label="255-exit"),
    Case("exit_code", args=("300", "return"), label="300-return"),
    Case("malloc_stress"),
    Case("big_stdout"),
    Case("stderr_out"),
    Case("getrandom"),
    Case("uname"),
    Case("monotonic"),
    Case("vdso"),
    Case("vdso", args=("maps",), label="maps"),
    Case("vdso", args=("null",), label="null"),
    Case("vdso", args=("unmap_vvar",), label="unmap_vvar"),
    Case("tls"),
    Case("abort"),
    Case("nullderef"),
    Case("mm"),
    Case("mm_pkey"),
    Case("procfs_mem"),
    Case("mm_lock", needs=(*FORK, "mlock", "mlock2", "munlock", "mlockall", "munlockall")),
    Case("self_exe"),
    Case("auxv"),
    Case("ids"),
    Case("ids_groups"),
    Case("ids_caps", needs=(*FORK, "capget", "capset")),
    Case("fuzz_regress"),
    Case("sys_names", needs=(*EXEC, "sethostname", "setdomainname", "personality")),
    Case("sys_ni", needs=("set_thread_area", "_sysctl", "lookup_dcookie")),
    Case("hardening"),
    Case("stdio_fds"),
    Case("stdin_read", label="devnull"),
    Case("stdin_read", stdin=STDIN_DATA, label="data"),
    Case("kill_self", args=("15", "kill"), label="SIGTERM-kill"),
    Case("kill_self", args=("9", "raise"), label="SIGKILL-raise"),
    Case("kill_self", args=("10", "tgkill"), label="SIGUSR1-tgkill"),
    Case("signal_wait", args=("self",), label="self"),
    Case("stream_out", args=("3",), label="3MiB"),
    Case("signals", args=("record",), label="record"),
    Case("signals", args=("ignore",), label="ignore"),
    Case("signals", args=("block",), label="block"),
    Case("sig_handlers", args=("basic",), label="basic"),
    Case("sig_handlers", args=("plain",), label="plain"),
    Case("sig_handlers", args=("mask",), label="mask"),
    Case("sig_handlers", args=("nodefer",), label="nodefer"),
    Case("sig_handlers", args=("nested",), label="nested"),
    Case("sig_handlers", args=("pending",), label="pending"),
    Case("sig_handlers", args=("segv",), label="segv"),
    Case("sig_handlers", args=("fpe",), label="fpe"),
    Case("sig_handlers", args=("altstack",), label="altstack"),
    Case("sig_handlers", args=("regs",), label="regs"),
    Case("sig_handlers", args=("global",), label="global"),
    Case("sig_handlers", args=("segv_blocked",), label="segv_blocked"),
    Case("sig_handlers", args=("badrip",), label="badrip"),
    Case("sig_handlers", args=("badstack",), label="badstack"),
    Case("sig_handlers", args=("badfp",), label="badfp"),
    Case("sig_handlers", args=("norestorer",), label="norestorer"),
    Case("sig_handlers", args=("badhandler",), label="badhandler"),
    Case("fs_open"),
    Case("fs_rw"),
    Case("fs_getdents_old", needs=("getdents",)),
    Case("fs_utime", needs=(*FORK, "utime", "utimes", "futimesat")),
    Case("fs_rw_flags", needs=("preadv2", "pwritev2", "sync_file_range", "syncfs", "readahead")),
    Case("fs_stat"),
    Case("fs_dir"),
    Case("fs_link"),
    Case("fs_rename"),
    Case("fs_fd"),
    Case("fs_pipe"),
    Case("fs_copy"),
    Case("fs_splice"),
    Case("fs_perm"),
    Case("fs_dev"),
    Case("fs_badargs"),
    Case("fs_bigdir"),
    Case("fs_punch_hole"),
    Case("fs_inotify"),
    Case("poll"),
    Case("net_inet_tcp", needs=(*THREADS, *FORK, "socket", "accept4"), smp=(1, 2)),
    Case("net_inet_udp", needs=(*FORK, "socket", "recvmsg")),
    Case("net_inet_poll", needs=(*THREADS, *FORK, "socket", "epoll_create1"), smp=(1, 2)),
    Case("net_netlink", needs=("socket", "bind", "sendto", "recvmsg")),
    Case("net_sendfile", needs=(*FORK, "socket", "accept4", "sendfile")),
    Case("net_udp_name", needs=("socket", "connect", "getsockname")),
    Case("net_ifreq", needs=("socket", "ioctl")),
    Case("net_if_inet6", needs=("socket", "bind", "sendto", "recvmsg")),
    Case("net_napi_id", needs=("socket", "getsockopt")),
    Case("epoll"),
    Case("eventfd"),
    Case("timerfd"),
    Case("signalfd"),
    Case("idle_waits"),
    Case("compute_input"),
    Case("thread_mutex", needs=THREADS),
    Case("thread_condvar", needs=THREADS),
    Case("thread_rwlock", needs=THREADS),
    Case("thread_barrier", needs=THREADS),
    Case("thread_sem", needs=THREADS),
    Case("thread_many", needs=THREADS),
    Case("thread_tls", needs=THREADS),
    Case("thread_cancel", needs=THREADS),
    Case("thread_kill", needs=THREADS),
    Case("thread_futex", needs=THREADS),
    Case("thread_sigprocess", needs=THREADS),
    Case("thread_sigwait", needs=(*THREADS, "rt_sigtimedwait", "rt_sigqueueinfo")),
    Case("thread_posix_timer", needs=(*THREADS, "rt_sigtimedwait", "timer_create", "timer_settime",
                                      "timer_gettime", "timer_getoverrun", "timer_delete")),
    Case("thread_cputime", needs=THREADS),
    Case("thread_clone", needs=("clone",)),
    Case("thread_name", needs=THREADS),
    Case("thread_proc_tid", needs=THREADS),
    Case("thread_sched", needs=(*THREADS, "sched_setaffinity", "sched_getscheduler", "sched_getparam",
                                "sched_get_priority_max", "sched_get_priority_min")),
    Case("thread_robust", needs=THREADS),
    Case("thread_sched_attr", needs=(*THREADS, "sched_setattr", "sched_getattr")),
    Case("thread_membarrier", needs=(*THREADS, *FORK, "membarrier")),
    Case("thread_idle_waits", needs=(*THREADS, "rt_sigtimedwait")),
    Case("sig_alarm_read", needs=("alarm", "setitimer")),  # musl's alarm() is setitimer
    Case("sig_nanosleep", needs=("setitimer",)),
    Case("sig_restart", needs=("setitimer",)),
    Case("time_itimer", needs=("setitimer", "getitimer", "rt_sigsuspend")),
    Case("time_vdso", needs=(kernel_features.VDSO,)),
    Case("ipc_shm"),
    Case("thread_ipc_sem", needs=THREADS),
    Case("thread_ipc_msg", needs=THREADS),
    Case("thread_posix_shm", needs=THREADS),
    Case("ipc_fork", needs=("fork",)),
    Case("ipc_fork_undo", needs=("fork",)),
    Case("proc_pidfd",
        needs=(*FORK, "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "waitid", "epoll_create1"),
    ),
    Case("proc_ioprio", needs=(*FORK, *THREADS, "ioprio_get", "ioprio_set")),
    Case("proc_fork", args=("tree",), label="tree", needs=FORK, smp=THREAD_SMP),
    Case("proc_fork", args=("cow",), label="cow", needs=FORK, smp=THREAD_SMP),
    Case("proc_fork", args=("fds",), label="fds", needs=FORK),
    Case("proc_fork", args=("pipe",), label="pipe", needs=FORK),
    Case("proc_fork", args=("shared",), label="shared", needs=FORK, smp=THREAD_SMP),
    Case("proc_fork", args=("orphan",), label="orphan", needs=FORK),
    Case("proc_fork", args=("subreaper",), label="subreaper", needs=FORK),
    Case("proc_fork", args=("threads",), label="threads", needs=(*FORK, *THREADS), smp=THREAD_SMP),
    Case("proc_exec", args=("fork_exec",), label="fork_exec", needs=EXEC),
    Case("proc_exec", args=("chain",), label="chain", needs=("execve",)),
    Case("proc_exec", args=("vfork",), label="vfork", needs=(*EXEC, "vfork")),
    Case("proc_exec", args=("spawn",), label="spawn", needs=SPAWN),
    Case("proc_exec", args=("script",), label="script", needs=EXEC),
    Case("proc_exec", args=("cloexec",), label="cloexec", needs=("execve",)),
    Case("proc_exec", args=("signals",), label="signals", needs=("execve",)),
    Case("proc_exec", args=("fexecve",), label="fexecve", needs=(*EXEC, "execveat")),
    Case("proc_exec", args=("execveat",), label="execveat", needs=(*EXEC, "execveat")),
    Case("proc_exec", args=("bigargs",), label="bigargs", needs=EXEC),
    Case("proc_exec", args=("errors",), label="errors", needs=("execve",)),
    Case("proc_exec", args=("etxtbsy",), label="etxtbsy", needs=("execve",)),
    Case("proc_exec", args=("threads",), label="threads", needs=(*THREADS, "execve"),
         smp=THREAD_SMP),
    Case("proc_wait", args=("status",), label="status", needs=FORK),
    Case("proc_wait", args=("which",), label="which", needs=FORK),
    Case("proc_wait", args=("waitid",), label="waitid", needs=(*FORK, "waitid")),
    Case("proc_wait", args=("sigchld",), label="sigchld", needs=FORK),
    Case("proc_wait", args=("noreap",), label="noreap", needs=(*FORK, "waitid")),
    Case("proc_wait", args=("stop",), label="stop", needs=(*FORK, "waitid")),
    Case("proc_pgrp", args=("groups",), label="groups", needs=EXEC),
    Case("proc_coredump_filter", needs=(*FORK, "execve")),
    Case("proc_pgrp", args=("kill",), label="kill", needs=(*FORK, "waitid")),
    Case("proc_pgrp", args=("orphan",), label="orphan", needs=FORK),
    *(Case("net_unix", args=(part,), label=part, needs=UNIX_SOCKETS)
      for part in ("pair", "opts", "names", "dgram", "poll", "errors")),
    *(Case("net_unix_fork", args=(part,), label=part, needs=(*UNIX_SOCKETS, *FORK))
      for part in ("scm", "creds", "stream", "signal", "backlog")),
)


def get_guest_env(case: Case) -> dict[str, str]:
    """Return the environment the program gets, natively and in the guest."""
    return {**GUEST_BASE_ENV, **dict(case.env)}


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_native(binary: Path, case: Case) -> Outcome:
    """Run the program on the host as pkgload would run it in the guest."""
    proc = subprocess.run(
        [str(binary), *case.args],
        input=case.stdin,
        stdin=subprocess.DEVNULL if case.stdin is None else None,
        capture_output=True,
        env=get_guest_env(case),
        cwd=RUN_CWD,
        timeout=RUN_TIMEOUT,
        preexec_fn=_no_core_dumps,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def get_last_run_log() -> Path:
    """Return where pkgload keeps the kernel log of its last run."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "pkgload" / "last-run.log"


def read_log_tail(since: float, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last lines of the kernel log written after `since` (time.time()), or why not."""
    path = get_last_run_log()
    try:
        if path.stat().st_mtime < since:
            return f"(none: {path} is older than this run)"
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"(no kernel log: {e})"
    return "\n".join(text.splitlines()[-lines:])


def _stop(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Stop a hung pkgload as Ctrl-C would (it then ends QEMU); kill it if that fails."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def run_pkgload(pkgload: Path, binary: Path, case: Case, smp: int = 1) -> Outcome:
    """Run the program under `pkgload run --smp SMP` with the case's args and -e variables."""
    cmd = [str(pkgload), "run", "--smp", str(smp)]
    for key, value in case.env:
        cmd += ["-e", f"{key}={value}"]
    cmd += ["--", str(binary), *case.args]
    stdin = subprocess.DEVNULL if case.stdin is None else subprocess.PIPE
    started = time.time()
    with subprocess.Popen(
        cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=RUN_CWD
    ) as proc:
        try:
            stdout, stderr = proc.communicate(case.stdin, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            stdout, stderr = _stop(proc)
            pytest.fail(
                f"`{' '.join(cmd)}` did not finish in {RUN_TIMEOUT} s (stopped with SIGINT)\n"
                f"stdout head: {stdout[:300]!r}\nstderr head: {stderr[:300]!r}\n"
                f"kernel log tail:\n{read_log_tail(started)}",
                pytrace=False,
            )
    return Outcome(proc.returncode, stdout, stderr, read_log_tail(started))


def expected_under_pkgload(native: Outcome) -> Outcome:
    """Translate a native outcome into what `pkgload run` must report."""
    if native.status >= 0:
        return native
    signo = -native.status
    message = (signal.strsignal(signo) or f"Unknown signal {signo}") + "\n"
    return Outcome(128 + signo, native.stdout, native.stderr + message.encode())


def describe_difference(stream: str, want: bytes, got: bytes) -> str:
    """Explain where two byte strings part: offset, lengths, and the text around it."""
    offset = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), min(len(want), len(got)))
    start = max(0, offset - 40)
    return (
        f"{stream} differs at byte {offset} (expected {len(want)} bytes, got {len(got)} bytes)\n"
        f"  expected [{start}:]: {want[start:start + 160]!r}\n"
        f"  got      [{start}:]: {got[start:start + 160]!r}"
    )


def compare(want: Outcome, got: Outcome) -> list[str]:
    """Return one message per way in which `got` differs from `want`."""
    problems = []
    if want.status != got.status:
        problems.append(f"exit status: expected {want.status}, got {got.status}")
    if want.stdout != got.stdout:
        problems.append(describe_difference("stdout", want.stdout, got.stdout))
    if want.stderr != got.stderr:
        problems.append(describe_difference("stderr", want.stderr, got.stderr))
    return problems


def test_every_program_has_a_case() -> None:
    """A program in tests/programs/ without a case here would never be compared."""
    sources = {path.stem for path in iter_program_sources()}
    covered = {case.program for case in CASES}
    assert sources - covered == set(), f"programs with no case in CASES: {sorted(sources - covered)}"
    assert covered - sources == set(), f"cases for missing programs: {sorted(covered - sources)}"


def test_needs_are_known() -> None:
    """A misspelt need would never be met: each must be a row of table.tsv or "vdso"."""
    unknown = {need for case in CASES for need in case.needs if not kernel_features.is_known(need)}
    assert not unknown, f"needs that are neither syscalls of syscalls/table.tsv nor vdso: {unknown}"


@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_native_is_deterministic(programs: Path, case: Case, flavour: str) -> None:
    """A program whose native output varies cannot be compared: run it twice."""
    binary = get_binary_path(case.program, flavour)
    first, second = run_native(binary, case), run_native(binary, case)
    problems = compare(first, second)
    assert not problems, f"{binary} is not deterministic natively:\n" + "\n".join(problems)


def host_relays_stdin() -> bool:
    """Return whether the host forwards its stdin to the guest (loader/manifest.py's switch)."""
    import loader.manifest

    return loader.manifest.RELAY_STDIN


def get_smp_counts(case: Case) -> tuple[int, ...]:
    """Return the vCPU counts the case runs with under pkgload."""
    if case.smp:
        return case.smp
    return THREAD_SMP if case.program.startswith(THREAD_PREFIX) else (1,)


def _get_marks(case: Case) -> list[pytest.MarkDecorator]:
    """Return the xfail marks of a case: stdin while the relay is off, needs the kernel lacks.

    The relay's is strict: once the host turns the relay on, these cases must
    pass, and a pass while it is off would mean the test no longer tests
    anything; so is a known bug's. A lacking need's is not: the same program
    may pass in one flavour (glibc's alarm is a syscall of its own) and not
    in another (musl's is setitimer) while only one of the two exists.
    """
    marks = []
    if case.stdin:
        marks.append(pytest.mark.xfail(
            not host_relays_stdin(), strict=True,
            reason="loader/manifest.py RELAY_STDIN is off: the guest's stdin is at end of file"))
    lacking = kernel_features.lacking(case.needs)
    if lacking:
        marks.append(pytest.mark.xfail(reason=f"the kernel lacks {', '.join(lacking)}"))
    elif case.known_bug:  # strict: once fixed, the mark must go
        marks.append(pytest.mark.xfail(strict=True, reason=f"kernel bug: {case.known_bug}"))
    return marks


def iter_guest_cases() -> list[object]:
    """Return (case, smp) params for the pkgload runs, each with its xfail marks."""
    params = []
    for case in CASES:
        counts = get_smp_counts(case)
        for smp in counts:
            case_id = case.id if len(counts) == 1 else f"{case.id}-smp{smp}"
            params.append(pytest.param(case, smp, id=case_id, marks=_get_marks(case)))
    return params


@pytest.mark.parametrize("flavour", FLAVOUR_NAMES)
@pytest.mark.parametrize("case, smp", iter_guest_cases())
def test_same_as_native(programs: Path, pkgload: Path, case: Case, smp: int, flavour: str) -> None:
    """stdout, stderr and exit status under pkgload equal the native run's."""
    binary = get_binary_path(case.program, flavour)
    native = run_native(binary, case)
    guest = run_pkgload(pkgload, binary, case, smp)
    problems = compare(expected_under_pkgload(native), guest)
    assert not problems, (
        f"{case.id} ({flavour}, --smp {smp}) under pkgload differs from native:\n"
        + "\n".join(problems)
        + f"\nkernel log tail ({get_last_run_log()}):\n{guest.log}"
    )
