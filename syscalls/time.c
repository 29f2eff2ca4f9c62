// Clocks and sleeping. Every clock reads the TSC; wall time is offset by the
// host's time at boot. Sleeps halt the CPU until the deadline (sched/wait.c).
#include "types.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "mm/uaccess.h"
#include "sched/wait.h"
#include <asm-generic/errno.h>
#include <linux/time.h>
#include <linux/time_types.h>


static long
clock_now(int clock, uint64_t *ns)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
        *ns = clock_realtime_ns();
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    // LINUX-DIFF: CPU-time clocks count wall time: the program has the CPU to itself.
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        *ns = clock_monotonic_ns();
        return 0;
    default:
        return -EINVAL;
    }
}

static struct __kernel_timespec
to_timespec(uint64_t ns)
{
    return (struct __kernel_timespec){ .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };
}

long
sys_clock_gettime(int clock, struct __kernel_timespec __user *tp)
{
    uint64_t ns;
    struct __kernel_timespec ts;
    long ret = clock_now(clock, &ns);

    if (ret < 0)
        return ret;
    ts = to_timespec(ns);
    return copy_to_user(tp, &ts, sizeof(ts));
}

long
sys_clock_getres(int clock, struct __kernel_timespec __user *tp)
{
    uint64_t ns;
    struct __kernel_timespec res = { 0, 1 };
    long ret = clock_now(clock, &ns);

    if (ret < 0)
        return ret;
    if (clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE)
        res.tv_nsec = 4000000;    // one 250 Hz tick, as Debian's kernel reports
    return tp ? copy_to_user(tp, &res, sizeof(res)) : 0;
}

long
sys_gettimeofday(struct __kernel_old_timeval __user *tv, void __user *tz)
{
    uint64_t ns = clock_realtime_ns();
    struct __kernel_old_timeval v = { .tv_sec = ns / NSEC_PER_SEC, .tv_usec = (ns % NSEC_PER_SEC) / 1000 };
    uint64_t zone = 0;   // struct timezone: UTC, no DST

    if (tv && copy_to_user(tv, &v, sizeof(v)) < 0)
        return -EFAULT;
    if (tz && copy_to_user(tz, &zone, sizeof(zone)) < 0)
        return -EFAULT;
    return 0;
}

long
sys_time(long __user *tloc)
{
    long t = clock_realtime_ns() / NSEC_PER_SEC;

    if (tloc && copy_to_user(tloc, &t, sizeof(t)) < 0)
        return -EFAULT;
    return t;
}

// Every clock here is the monotonic clock plus a fixed offset, so the wait
// is for the same span of monotonic time.
void
sleep_until(int clock, uint64_t deadline)
{
    uint64_t now;

    if (clock_now(clock, &now) == 0 && now < deadline)
        wait_until(add_ns_saturating(clock_monotonic_ns(), deadline - now), NULL, NULL);
}

long
timespec_from_user(const struct __kernel_timespec __user *uts, uint64_t *ns)
{
    struct __kernel_timespec ts;

    if (copy_from_user(&ts, uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long long)NSEC_PER_SEC)
        return -EINVAL;
    *ns = (uint64_t)ts.tv_sec >= UINT64_MAX / NSEC_PER_SEC ? UINT64_MAX
                                                            : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
    return 0;
}

long
sys_clock_nanosleep(int clock, int flags, const struct __kernel_timespec __user *req,
                    struct __kernel_timespec __user *rem)
{
    uint64_t ns, now;
    long ret;

    if (clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    if ((ret = clock_now(clock, &now)) < 0)
        return ret;
    if ((ret = timespec_from_user(req, &ns)) < 0)
        return ret;
    sleep_until(clock, (flags & TIMER_ABSTIME) ? ns : add_ns_saturating(now, ns));
    return 0;
}

long
sys_nanosleep(const struct __kernel_timespec __user *req, struct __kernel_timespec __user *rem)
{
    return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}
