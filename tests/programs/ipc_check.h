// Helpers shared by the ipc_* and *_ipc_* programs: a call's result by its
// errno's name (the IPC calls fail with errnos thread_check.h does not
// name), the System V objects a program made, removed when it ends however
// it ends (exit, a failed check, a fatal signal), so a failing run leaves
// nothing behind in the host's IPC namespace, and running code in a child.
#pragma once
#include "thread_check.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static inline const char *
errno_name(int e)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {
        { 0, "0" },
        { EPERM, "EPERM" },
        { ENOENT, "ENOENT" },
        { EINTR, "EINTR" },
        { EBADF, "EBADF" },
        { EAGAIN, "EAGAIN" },
        { ENOMEM, "ENOMEM" },
        { EACCES, "EACCES" },
        { EFAULT, "EFAULT" },
        { EEXIST, "EEXIST" },
        { ENODEV, "ENODEV" },
        { EISDIR, "EISDIR" },
        { EINVAL, "EINVAL" },
        { ENOSPC, "ENOSPC" },
        { ESPIPE, "ESPIPE" },
        { EFBIG, "EFBIG" },
        { ERANGE, "ERANGE" },
        { E2BIG, "E2BIG" },
        { EIDRM, "EIDRM" },
        { ENOMSG, "ENOMSG" },
        { ENOSYS, "ENOSYS" },
        { EOPNOTSUPP, "EOPNOTSUPP" },
        { ETIMEDOUT, "ETIMEDOUT" },
        { ENAMETOOLONG, "ENAMETOOLONG" },
    };
    static char other[16];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == e)
            return names[i].name;
    snprintf(other, sizeof(other), "E%d", e);
    return other;
}

// Print "ok" for a call that did not return -1, else its errno's name; return RET.
static inline long
show(const char *what, long ret)
{
    printf("%s: %s\n", what, ret == -1 ? errno_name(errno) : "ok");
    return ret;
}

// The same for a call that returns a pointer, (void *)-1 on failure (shmat).
static inline void *
show_ptr(const char *what, void *ret)
{
    show(what, ret == (void *)-1 ? -1 : 0);
    return ret;
}

// Print a value a call returned, or its errno's name.
static inline long
show_val(const char *what, long ret)
{
    if (ret == -1)
        printf("%s: %s\n", what, errno_name(errno));
    else
        printf("%s: %ld\n", what, ret);
    return ret;
}

#define IPC_TRACK_MAX 64

enum ipc_kind { IPC_KIND_SHM, IPC_KIND_SEM, IPC_KIND_MSG };

static struct {
    enum ipc_kind kind;
    int id;
} ipc_tracked[IPC_TRACK_MAX];
static int ipc_ntracked;

// Remove every object made so far; those already removed fail quietly.
static inline void
ipc_cleanup(void)
{
    int saved = errno;

    for (int i = 0; i < ipc_ntracked; i++) {
        if (ipc_tracked[i].kind == IPC_KIND_SHM)
            shmctl(ipc_tracked[i].id, IPC_RMID, NULL);
        else if (ipc_tracked[i].kind == IPC_KIND_SEM)
            semctl(ipc_tracked[i].id, 0, IPC_RMID);
        else
            msgctl(ipc_tracked[i].id, IPC_RMID, NULL);
    }
    ipc_ntracked = 0;
    errno = saved;
}

static inline void
ipc_cleanup_and_die(int sig)
{
    ipc_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

// Clean up at exit and on the signals that would end the program.
static inline void
ipc_cleanup_at_end(void)
{
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM, SIGINT };

    atexit(ipc_cleanup);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        signal(fatal[i], ipc_cleanup_and_die);
}

// Remember ID (an id of KIND, or -1 which is ignored) for the cleanup; return it.
static inline int
ipc_track(enum ipc_kind kind, int id)
{
    if (id != -1 && ipc_ntracked < IPC_TRACK_MAX)
        ipc_tracked[ipc_ntracked].kind = kind, ipc_tracked[ipc_ntracked++].id = id;
    return id;
}

// A key of this process's own, so parallel runs of the program never share
// one; a leftover of an earlier run with the same pid is removed first.
static inline key_t
own_key(enum ipc_kind kind, int n)
{
    key_t key = (key_t)(0x50000000u | ((((unsigned)getpid() << 4) | (unsigned)n) & 0x0fffffffu));
    int id;

    if (kind == IPC_KIND_SHM && (id = shmget(key, 0, 0)) != -1)
        shmctl(id, IPC_RMID, NULL);
    if (kind == IPC_KIND_SEM && (id = semget(key, 0, 0)) != -1)
        semctl(id, 0, IPC_RMID);
    if (kind == IPC_KIND_MSG && (id = msgget(key, 0)) != -1)
        msgctl(id, IPC_RMID, NULL);
    return key;
}

// fork, saying so when it fails (so that nothing then waits for a child).
static inline pid_t
fork_or_say(const char *what)
{
    pid_t pid = fork();

    if (pid == -1)
        printf("%s: fork %s\n", what, errno_name(errno));
    return pid;
}

// Run FN(ARG) in a child and wait for it; say how it ended unless it exited 0.
static inline void
in_child(const char *what, void (*fn)(void *), void *arg)
{
    int status;
    pid_t pid = fork_or_say(what);

    if (pid == -1)
        return;
    if (pid == 0) {
        ipc_ntracked = 0;           // the parent removes what it made
        fn(arg);
        _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
        printf("%s: waitpid %s\n", what, errno_name(errno));
    else if (!WIFEXITED(status) || WEXITSTATUS(status))
        printf("%s: child ended with status %#x\n", what, status);
}

// Wait (LATE_MS at most) until semaphore NUM of set ID has WANT waiters for an increase.
static inline void
await_ncnt(int id, int num, int want)
{
    long long t0 = now_ns(CLOCK_MONOTONIC);

    while (semctl(id, num, GETNCNT) != want && ms_since(t0) < LATE_MS)
        usleep(1000);
}
