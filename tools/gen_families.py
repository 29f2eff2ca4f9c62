#!/usr/bin/env python3
"""Write syscalls/families.tsv: each syscall of table.tsv with its family (file, memory, ...).

Usage: tools/gen_families.py [TABLE.tsv]   (default: syscalls/table.tsv)
The family lives in a file of its own, keyed by name, so that branches that edit
table.tsv's rows never meet a change here. Rows already in families.tsv keep their
family; a name of the table that has none gets the one FAMILIES below gives, and the
script fails, naming it, when FAMILIES has none either.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "syscalls" / "families.tsv"
HEADER = ("# The family of every syscall of table.tsv, keyed by name (tools/gen_families.py):\n"
          "# `pkgload coverage --family` filters by it.\nname\tfamily\n")

FAMILIES: dict[str, str] = {
    "file": """read write open close stat fstat lstat lseek ioctl pread64 pwrite64 readv writev
        access pipe dup dup2 sendfile fcntl flock fsync fdatasync truncate ftruncate getdents
        getcwd chdir fchdir rename mkdir rmdir creat link unlink symlink readlink chmod fchmod
        chown fchown lchown umask utime mknod uselib ustat statfs fstatfs sysfs readahead
        setxattr lsetxattr fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr
        flistxattr removexattr lremovexattr fremovexattr getdents64 fadvise64 utimes openat
        mkdirat mknodat fchownat futimesat newfstatat unlinkat renameat linkat symlinkat
        readlinkat fchmodat faccessat splice tee sync_file_range vmsplice utimensat fallocate
        dup3 pipe2 preadv pwritev name_to_handle_at open_by_handle_at syncfs renameat2
        copy_file_range preadv2 pwritev2 statx close_range openat2 faccessat2 sync
        lookup_dcookie memfd_create""",
    "mount": """pivot_root chroot mount umount2 swapon swapoff quotactl open_tree move_mount
        fsopen fsconfig fsmount fspick mount_setattr quotactl_fd""",
    "memory": """mmap mprotect munmap brk mremap msync mincore madvise mlock munlock mlockall
        munlockall remap_file_pages mbind set_mempolicy get_mempolicy migrate_pages move_pages
        mlock2 pkey_mprotect pkey_alloc pkey_free process_madvise memfd_secret userfaultfd
        set_mempolicy_home_node process_vm_readv process_vm_writev""",
    "process": """clone fork vfork execve exit wait4 kill getpid getppid getpgrp setpgid setsid
        getpgid getsid ptrace personality prctl getrlimit setrlimit getrusage times prlimit64
        exit_group waitid unshare setns kcmp execveat clone3 pidfd_open pidfd_send_signal
        pidfd_getfd process_mrelease vhangup acct""",
    "thread": """arch_prctl modify_ldt gettid tkill tgkill futex set_thread_area get_thread_area
        set_tid_address set_robust_list get_robust_list rseq membarrier futex_waitv
        restart_syscall""",
    "sched": """sched_yield getpriority setpriority sched_setparam sched_getparam
        sched_setscheduler sched_getscheduler sched_get_priority_max sched_get_priority_min
        sched_rr_get_interval sched_setaffinity sched_getaffinity sched_setattr sched_getattr
        getcpu ioprio_set ioprio_get""",
    "signal": """rt_sigaction rt_sigprocmask rt_sigreturn pause rt_sigpending rt_sigtimedwait
        rt_sigqueueinfo rt_sigsuspend sigaltstack rt_tgsigqueueinfo signalfd signalfd4""",
    "time": """nanosleep getitimer alarm setitimer gettimeofday settimeofday adjtimex time
        timer_create timer_settime timer_gettime timer_getoverrun timer_delete clock_settime
        clock_gettime clock_getres clock_nanosleep clock_adjtime timerfd_create timerfd_settime
        timerfd_gettime""",
    "net": """socket connect accept sendto recvfrom sendmsg recvmsg shutdown bind listen
        getsockname getpeername socketpair setsockopt getsockopt accept4 recvmmsg sendmmsg""",
    "ipc": """shmget shmat shmctl shmdt semget semop semctl msgget msgsnd msgrcv msgctl
        semtimedop mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr""",
    "event": """poll select epoll_create epoll_ctl_old epoll_wait_old epoll_wait epoll_ctl
        pselect6 ppoll epoll_pwait eventfd eventfd2 epoll_create1 inotify_init
        inotify_add_watch inotify_rm_watch inotify_init1 fanotify_init fanotify_mark
        epoll_pwait2""",
    "aio": """io_setup io_destroy io_getevents io_submit io_cancel io_pgetevents io_uring_setup
        io_uring_enter io_uring_register""",
    "ids": """getuid getgid setuid setgid geteuid getegid setreuid setregid getgroups setgroups
        setresuid getresuid setresgid getresgid setfsuid setfsgid capget capset""",
    "security": """seccomp add_key request_key keyctl bpf landlock_create_ruleset
        landlock_add_rule landlock_restrict_self perf_event_open""",
    "system": """uname sysinfo syslog _sysctl reboot sethostname setdomainname iopl ioperm
        create_module init_module delete_module get_kernel_syms query_module nfsservctl
        getpmsg putpmsg afs_syscall tuxcall security vserver kexec_load kexec_file_load
        finit_module getrandom""",
}


def get_mapping() -> dict[str, str]:
    """Return name -> family from FAMILIES; fail on a name given two families."""
    out: dict[str, str] = {}
    for family, names in FAMILIES.items():
        for name in names.split():
            if name in out:
                raise SystemExit(f"{name}: in both {out[name]} and {family}")
            out[name] = family
    return out


def read_names(table: Path) -> list[str]:
    """Return the table's names in its order (by number)."""
    rows = [ln.split("\t") for ln in table.read_text().splitlines()
            if ln.strip() and not ln.startswith(("#", "nr\t"))]
    return [r[1] for r in sorted(rows, key=lambda r: int(r[0]))]


def read_families(path: Path = OUT) -> dict[str, str]:
    """Return name -> family from families.tsv ({} when it does not exist)."""
    if not path.exists():
        return {}
    rows = [ln.split("\t") for ln in path.read_text().splitlines()
            if ln.strip() and not ln.startswith(("#", "name\t"))]
    return {r[0]: r[1] for r in rows}


def main() -> None:
    table = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "syscalls" / "table.tsv"
    known = {**get_mapping(), **read_families()}
    names = read_names(table)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"{', '.join(unknown)}: no family: add them to FAMILIES in {__file__}")
    OUT.write_text(HEADER + "".join(f"{n}\t{known[n]}\n" for n in names))


if __name__ == "__main__":
    main()
