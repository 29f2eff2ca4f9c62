// Helpers shared by the thread_*, sig_* and time_* programs: print a check as
// "what: yes|no" or a call's error number by name, so that a run's output
// depends neither on the number of CPUs nor on scheduling, only on whether
// each thing behaved as Linux says; and start, join and time threads without
// repeating the error handling in every program.
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline const char *
err_name(int e)
{
    static char other[16];

    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ERANGE: return "ERANGE";
    case EDEADLK: return "EDEADLK";
    case ENOSYS: return "ENOSYS";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    }
    snprintf(other, sizeof(other), "E%d", e);
    return other;
}

static inline void
yes_no(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
}

// Print the error number a pthread_* call returned ("0" for success); return it.
static inline int
show_err(const char *what, int err)
{
    printf("%s: %s\n", what, err_name(err));
    return err;
}

// Print "ok" for a call that succeeded, its errno's name for one that returned -1.
static inline long
show_ret(const char *what, long ret)
{
    printf("%s: %s\n", what, ret < 0 ? err_name(errno) : "ok");
    return ret;
}

// A setup call that must work for the test to mean anything: stop loudly if not.
static inline void
must(const char *what, int err)
{
    if (err) {
        fprintf(stderr, "%s: %s\n", what, strerror(err));
        exit(1);
    }
}

static inline pthread_t
start_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;

    must("pthread_create", pthread_create(&t, NULL, fn, arg));
    return t;
}

static inline void *
join_thread(pthread_t t)
{
    void *ret;

    must("pthread_join", pthread_join(t, &ret));
    return ret;
}

static inline long long
now_ns(clockid_t clock)
{
    struct timespec t;

    clock_gettime(clock, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline long long
ms_since(long long t0_ns)
{
    return (now_ns(CLOCK_MONOTONIC) - t0_ns) / 1000000;
}

// The time on CLOCK ms milliseconds from now, for the absolute timeouts of
// pthread_*_timedwait and sem_timedwait.
static inline struct timespec
deadline_in_ms(clockid_t clock, long ms)
{
    long long t = now_ns(clock) + ms * 1000000LL;

    return (struct timespec){ t / 1000000000LL, t % 1000000000LL };
}

// The host (and the guest under TCG) may be slow, but a wait that comes back
// this much later than asked has lost its wake-up.
#define LATE_MS 10000
