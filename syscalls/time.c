// Clocks and sleeping. Every clock reads the TSC; wall time is offset by the
// host's time at boot. Sleeps halt the CPU until the deadline (sched/wait.c).
#include "types.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "mm/uaccess.h"
#include "sched/wait.h"
#include "sched/proc.h"
#include <asm-generic/errno.h>
#include <linux/time.h>
#include <linux/time_types.h>


// The clocks the vDSO serves are read as it reads them (vdso/vvar.h).
static long
clock_now(int clock, uint64_t *ns)
{
    if (vvar_clock_served(clock)) {
        *ns = clock_read_ns(clock);
        return 0;
    }
    switch (clock) {
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
    struct __kernel_timespec res = { 0, vvar_clock_res(clock) };
    long ret = clock_now(clock, &ns);

    if (ret < 0)
        return ret;
    return tp ? copy_to_user(tp, &res, sizeof(res)) : 0;
}

long
sys_gettimeofday(struct __kernel_old_timeval __user *tv, struct timezone __user *tz)
{
    uint64_t ns;
    struct __kernel_old_timeval v;
    struct timezone zone;

    if (tv) {
        ns = clock_realtime_ns();
        v = (struct __kernel_old_timeval){ .tv_sec = ns / NSEC_PER_SEC, .tv_usec = ns % NSEC_PER_SEC / 1000 };
        if (copy_to_user(tv, &v, sizeof(v)) < 0)
            return -EFAULT;
    }
    clock_get_timezone(&zone.tz_minuteswest, &zone.tz_dsttime);
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

// Linux's limit on a time to set: before 1970 is refused, and so is
// anything within 30 years of where 64-bit nanoseconds overflow.
#define SETTOD_SEC_MAX (INT64_MAX / (int64_t)NSEC_PER_SEC - 30ll * 365 * 24 * 3600)

static bool
settod_valid(const struct __kernel_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_sec < SETTOD_SEC_MAX && (uint64_t)ts->tv_nsec < NSEC_PER_SEC;
}

static bool
may_set_time(void)
{
    return current_proc()->creds.euid == 0;   // CAP_SYS_TIME: root has every capability
}

// What settimeofday and clock_settime(CLOCK_REALTIME) share, in Linux's
// order: the time's range, the permission, the zone's range. The first
// zone set without a time also moves the clock by it: Linux takes that
// call as the boot scripts saying the hardware clock kept local time.
__after_boot static long
settimeofday_checked(const struct __kernel_timespec *ts, const struct timezone *tz)
{
    static bool first_zone = true;

    if (ts && !settod_valid(ts))
        return -EINVAL;
    if (!may_set_time())
        return -EPERM;
    if (tz) {
        if (tz->tz_minuteswest > 15 * 60 || tz->tz_minuteswest < -15 * 60)
            return -EINVAL;
        clock_set_timezone(tz->tz_minuteswest, tz->tz_dsttime);
        if (first_zone && !ts && tz->tz_minuteswest)
            clock_settime_realtime(clock_realtime_ns() + tz->tz_minuteswest * 60 * (int64_t)NSEC_PER_SEC);
        first_zone = false;
    }
    if (ts)
        clock_settime_realtime(ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec);
    return 0;
}

// Only CLOCK_REALTIME can be set: any other clock fails with EINVAL before
// the argument is read, as Linux's have no clock_set (its CPU-time clocks
// of other processes, which answer EPERM, we do not have).
__after_boot long
sys_clock_settime(int clock, const struct __kernel_timespec __user *tp)
{
    struct __kernel_timespec ts;

    if (clock != CLOCK_REALTIME)
        return -EINVAL;
    if (copy_from_user(&ts, tp, sizeof(ts)) < 0)
        return -EFAULT;
    return settimeofday_checked(&ts, NULL);
}

__after_boot long
sys_settimeofday(const struct __kernel_old_timeval __user *tv, const struct timezone __user *tz)
{
    struct __kernel_old_timeval v;
    struct __kernel_timespec ts;
    struct timezone zone;

    if (tv) {
        if (copy_from_user(&v, tv, sizeof(v)) < 0)
            return -EFAULT;
        if (v.tv_usec > 1000000 || v.tv_usec < 0)   // Linux's test: 1000000 is caught later
            return -EINVAL;
        ts = (struct __kernel_timespec){ .tv_sec = v.tv_sec, .tv_nsec = v.tv_usec * 1000 };
    }
    if (tz && copy_from_user(&zone, tz, sizeof(zone)) < 0)
        return -EFAULT;
    return settimeofday_checked(tv ? &ts : NULL, tz ? &zone : NULL);
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
