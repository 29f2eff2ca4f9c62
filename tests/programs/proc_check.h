// Helpers shared by the proc_* programs (fork, exec, wait, process groups):
// print each line with one write(2), so that output never sits in a stdio
// buffer a fork would copy; name errnos, signals and wait statuses the same
// way under glibc and musl; and stop loudly when a setup call fails, so
// that a kernel without fork ends the run at once instead of hanging.
// Outputs never carry pids (they differ from the native run's), only
// relations between them ("the child's parent is me: yes").
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Print one line (or more) with a single write to stdout.
static inline void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    for (int done = 0; done < n;) {
        ssize_t w = write(STDOUT_FILENO, buf + done, n - done);
        if (w <= 0)
            break;
        done += w;
    }
}

static inline const char *
errno_name(int e)
{
    static char other[16];

    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ETXTBSY: return "ETXTBSY";
    case ESPIPE: return "ESPIPE";
    case EPIPE: return "EPIPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ELOOP: return "ELOOP";
    }
    snprintf(other, sizeof(other), "E%d", e);
    return other;
}

// Signal names by number, the same under glibc and musl (whose strsignal
// texts differ); real-time signals as RT+n from 32.
static inline const char *
sig_name(int sig)
{
    static const char *const names[] = {
        "0",         "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
    };
    static char other[16];

    if (sig >= 0 && sig < 32)
        return names[sig];
    snprintf(other, sizeof(other), "RT+%d", sig - 32);
    return other;
}

// A wait status in words: "exited 3", "killed by SIGTERM", "killed by
// SIGSEGV (core)", "stopped by SIGSTOP", "continued".
static inline const char *
status_text(int status)
{
    static char text[64];

    if (WIFEXITED(status))
        snprintf(text, sizeof(text), "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, sizeof(text), "killed by %s%s", sig_name(WTERMSIG(status)),
                 WCOREDUMP(status) ? " (core)" : "");
    else if (WIFSTOPPED(status))
        snprintf(text, sizeof(text), "stopped by %s", sig_name(WSTOPSIG(status)));
    else if (WIFCONTINUED(status))
        snprintf(text, sizeof(text), "continued");
    else
        snprintf(text, sizeof(text), "status 0x%x", status);
    return text;
}

static inline void
yes_no(const char *what, int ok)
{
    say("%s: %s\n", what, ok ? "yes" : "no");
}

// Print "ok" for a call that succeeded, its errno's name for one that
// returned -1. Returns RET with errno kept.
static inline long
show_ret(const char *what, long ret)
{
    int e = errno;

    say("%s: %s\n", what, ret < 0 ? errno_name(e) : "ok");
    errno = e;
    return ret;
}

// A setup call that must work for the test to mean anything.
static inline void
must(const char *what, int ok)
{
    if (!ok) {
        fprintf(stderr, "%s: %s\n", what, strerror(errno));
        exit(99);
    }
}

static inline pid_t
xfork(void)
{
    pid_t pid = fork();

    must("fork", pid >= 0);
    return pid;
}

// Wait for one given child; return its wait status.
static inline int
wait_for(pid_t pid)
{
    int status;

    for (;;) {
        pid_t got = waitpid(pid, &status, 0);
        if (got == pid)
            return status;
        must("waitpid", got >= 0 || errno == EINTR);
    }
}

// Wait for a child and print "WHAT: exited 0" (or how it ended).
static inline int
reap(const char *what, pid_t pid)
{
    int status = wait_for(pid);

    say("%s: %s\n", what, status_text(status));
    return status;
}

static inline void
xpipe(int fds[2])
{
    must("pipe", pipe(fds) == 0);
}

// Read exactly N bytes (a handshake byte, a result); 0 at end of file first.
static inline ssize_t
read_full(int fd, void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = read(fd, (char *)buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? r : (ssize_t)done;
        done += r;
    }
    return done;
}

static inline void
write_full(int fd, const void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(fd, (const char *)buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        must("write", w > 0);
        done += w;
    }
}

// Hand-over between two processes over a pipe: one byte.
static inline void
signal_fd(int fd)
{
    write_full(fd, "x", 1);
}

static inline void
await_fd(int fd)
{
    char c;

    must("handshake read", read_full(fd, &c, 1) == 1);
}

// Bound a run that a missing kernel feature would hang (a child that never
// stops, a signal that never comes): SIGALRM ends it after SECONDS. Forked
// children do not inherit the alarm; an exec'd image does.
static inline void
watchdog(unsigned seconds)
{
    alarm(seconds);
}

#define WATCHDOG_S 60  // every proc_* program takes a few seconds under TCG at most

// Wait up to MS milliseconds for FD to be readable; say whether it became so.
static inline int
readable_within(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };

    for (;;) {
        int n = poll(&p, 1, ms);
        if (n >= 0 || errno != EINTR)
            return n > 0;
    }
}

// The program's own path, for re-executing itself with other arguments.
static inline const char *
self_path(const char *argv0)
{
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (n <= 0)
        return argv0;
    path[n] = 0;
    return path;
}
