// Every way a single-threaded program waits for time to pass: nanosleep,
// clock_nanosleep (relative and absolute, monotonic and realtime), poll,
// ppoll, select and pselect6 on an idle pipe, and a futex wait with a
// timeout. Each must wait at least as long as asked and come back with the
// result Linux gives; only those checks are printed, so the native run and
// the guest run agree. tests/test_idle.py runs it to check that the guest's
// waits leave the host CPU idle. argv[1]: the time unit in ms (default 100;
// 0 makes every wait zero-length, for a quick run).
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE                                                                         \
    128   // FUTEX_WAIT | FUTEX_PRIVATE_FLAG (<linux/futex.h>: not in musl's path)
#define FUTEX_WAIT_BITSET_PRIVATE 137   // FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG
#define FUTEX_CLOCK_REALTIME      256

static long unit_ms = 100;

static struct timespec
now(clockid_t clock)
{
    struct timespec t;

    clock_gettime(clock, &t);
    return t;
}

static long
ms_since(struct timespec t0)
{
    struct timespec t = now(CLOCK_MONOTONIC);

    return (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
}

static struct timespec
units(long n)
{
    long ms = n * unit_ms;

    return (struct timespec){ ms / 1000, ms % 1000 * 1000000 };
}

// Print what the call returned and whether it waited at least N units (and
// not absurdly longer: 10 s more would mean a lost wake-up).
static void
check(const char *what, long ret, struct timespec t0, long n)
{
    long waited = ms_since(t0);

    printf("%s: %ld (errno %d), waited at least %ld units: %s, woke in time: %s\n", what, ret,
           ret < 0 ? errno : 0, n, waited >= n * unit_ms ? "yes" : "no",
           waited < n * unit_ms + 10000 ? "yes" : "no");
}

// clock_nanosleep returns the error number instead of setting errno.
static long
cns(clockid_t clock, int flags, const struct timespec *req)
{
    int err = clock_nanosleep(clock, flags, req, NULL);

    errno = err;
    return err ? -1 : 0;
}

static void
test_sleeps(void)
{
    struct timespec t0, req = units(3), rem = { 7, 7 }, abs;

    t0 = now(CLOCK_MONOTONIC);
    check("nanosleep", nanosleep(&req, &rem), t0, 3);
    t0 = now(CLOCK_MONOTONIC);
    req = units(2);
    check("clock_nanosleep monotonic", cns(CLOCK_MONOTONIC, 0, &req), t0, 2);

    t0 = now(CLOCK_MONOTONIC);
    abs = t0;
    abs.tv_nsec += 2 * unit_ms * 1000000;
    abs.tv_sec += abs.tv_nsec / 1000000000;
    abs.tv_nsec %= 1000000000;
    check("clock_nanosleep monotonic absolute", cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs), t0, 2);

    abs = now(CLOCK_REALTIME);
    t0 = now(CLOCK_MONOTONIC);
    abs.tv_nsec += 2 * unit_ms * 1000000;
    abs.tv_sec += abs.tv_nsec / 1000000000;
    abs.tv_nsec %= 1000000000;
    check("clock_nanosleep realtime absolute", cns(CLOCK_REALTIME, TIMER_ABSTIME, &abs), t0,
          1);   // realtime may step: at least half of it

    abs = now(CLOCK_MONOTONIC);     // passed by the time of the call
    t0 = now(CLOCK_MONOTONIC);
    check("clock_nanosleep absolute in the past", cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs), t0, 0);
}

static void
test_poll_select(int rd)
{
    struct pollfd p = { rd, POLLIN, 0 };
    struct timespec t0, ts = units(2);
    struct timeval tv = { 0, 2 * unit_ms * 1000 };
    fd_set in;

    t0 = now(CLOCK_MONOTONIC);
    check("poll idle pipe", poll(&p, 1, 2 * unit_ms), t0, 2);
    printf("  revents %#x\n", p.revents);
    t0 = now(CLOCK_MONOTONIC);
    check("ppoll idle pipe", ppoll(&p, 1, &ts, NULL), t0, 2);
    t0 = now(CLOCK_MONOTONIC);
    check("poll no descriptors", poll(NULL, 0, unit_ms), t0, 1);

    FD_ZERO(&in);
    FD_SET(rd, &in);
    tv.tv_sec = tv.tv_usec / 1000000;
    tv.tv_usec %= 1000000;
    t0 = now(CLOCK_MONOTONIC);
    check("select idle pipe", select(rd + 1, &in, NULL, NULL, &tv), t0, 2);
    printf("  set after: %d, timeval left: %ld.%06ld\n", FD_ISSET(rd, &in), (long)tv.tv_sec,
           (long)tv.tv_usec);
    FD_SET(rd, &in);
    ts = units(2);
    t0 = now(CLOCK_MONOTONIC);
    check("pselect idle pipe", pselect(rd + 1, &in, NULL, NULL, &ts, NULL), t0, 2);
    tv = (struct timeval){ 0, unit_ms * 1000 };
    tv.tv_sec = tv.tv_usec / 1000000;
    tv.tv_usec %= 1000000;
    t0 = now(CLOCK_MONOTONIC);
    check("select no descriptors", select(0, NULL, NULL, NULL, &tv), t0, 1);
}

static void
test_futex(void)
{
    uint32_t word = 5;
    struct timespec ts = units(2), t0 = now(CLOCK_MONOTONIC);

    check("futex wait with a timeout",
          syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0), t0, 2);

    // FUTEX_WAIT_BITSET's timeout is a deadline on CLOCK_MONOTONIC, or on
    // CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (as glibc's sem_timedwait and
    // pthread_cond_timedwait use it).
    for (int realtime = 0; realtime < 2; realtime++) {
        clockid_t clock = realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
        // t0 first: the deadline is two units after a moment no earlier than t0.
        struct timespec deadline, step = units(2);
        t0 = now(CLOCK_MONOTONIC);
        deadline = now(clock);
        deadline.tv_sec += step.tv_sec + (deadline.tv_nsec + step.tv_nsec) / 1000000000;
        deadline.tv_nsec = (deadline.tv_nsec + step.tv_nsec) % 1000000000;
        check(realtime ? "futex bitset wait until a realtime deadline"
                       : "futex bitset wait until a monotonic deadline",
              syscall(SYS_futex, &word,
                      FUTEX_WAIT_BITSET_PRIVATE | (realtime ? FUTEX_CLOCK_REALTIME : 0), 5,
                      &deadline, NULL, 0xffffffffu),
              t0, 2);
    }
}

int
main(int argc, char **argv)
{
    int fds[2];

    if (argc > 1)
        unit_ms = atol(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(fds) < 0)
        return perror("pipe"), 1;
    test_sleeps();
    test_poll_select(fds[0]);
    test_futex();
    return 0;
}
