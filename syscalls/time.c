// Clocks and sleeping. Every clock reads the TSC; wall time is offset by the
// host's time at boot. Sleeps halt the CPU until the deadline (sched/wait.c).
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "mm/uaccess.h"
#include "sched/wait.h"
#include "sched/sched.h"
#include "sched/proc.h"
#include "syscalls/restart.h"
#include <asm-generic/errno.h>
#include <linux/time.h>
#include <linux/time_types.h>


// A CPU-time clock id (clock_getcpuclockid(3), pthread_getcpuclockid(3)):
// ~pid << 3, bit 2 for a thread, low bits PROF (0), VIRT (1) or SCHED (2).
static long
cpu_clock_now(int clock, uint64_t *ns)
{
    int id = ~(clock >> 3), which = clock & 3;
    uint64_t user, sys;

    if (which == 3)
        return -EINVAL;
    if (clock & 4) {
        struct thread *t = id ? thread_find(id) : current_thread();
        if (!t)
            return -EINVAL;
        thread_cpu_times(t, &user, &sys);
    } else {
        if (id && id != current_proc()->pid)
            return -EINVAL;
        proc_cpu_times(current_proc(), &user, &sys);
    }
    *ns = which == 1 ? user : user + sys;
    return 0;
}

// The clocks the vDSO serves are read as it reads them (vdso/vvar.h).
static long
clock_now(int clock, uint64_t *ns)
{
    if (clock < 0)
        return cpu_clock_now(clock, ns);
    if (vvar_clock_served(clock)) {
        *ns = clock_read_ns(clock);
        return 0;
    }
    switch (clock) {
    case CLOCK_PROCESS_CPUTIME_ID: return cpu_clock_now(-6, ns); // ~0 << 3 | SCHED: this process
    case CLOCK_THREAD_CPUTIME_ID: return cpu_clock_now(-2, ns); // ~0 << 3 | 4 | SCHED: this thread
    default: return -EINVAL;
    }
}

static long nanosleep_restart(struct thread *t);

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
        v = (struct __kernel_old_timeval){ .tv_sec = ns / NSEC_PER_SEC,
                                           .tv_usec = ns % NSEC_PER_SEC / 1000 };
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
    return current_proc()->creds.euid == 0; // CAP_SYS_TIME: root has every capability
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
            clock_settime_realtime(clock_realtime_ns() +
                                   tz->tz_minuteswest * 60 * (int64_t)NSEC_PER_SEC);
        first_zone = false;
    }
    if (ts)
        clock_settime_realtime(ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec);
    return 0;
}

// Only CLOCK_REALTIME can be set. Linux's other clocks have no way to be
// set and fail with EINVAL before the argument is read, but for the
// CPU-time clocks named by a negative id: EPERM once it has been read.
__after_boot long
sys_clock_settime(int clock, const struct __kernel_timespec __user *tp)
{
    struct __kernel_timespec ts;
    uint64_t ns;

    if (clock != CLOCK_REALTIME && (clock >= 0 || cpu_clock_now(clock, &ns) < 0))
        return -EINVAL;
    if (copy_from_user(&ts, tp, sizeof(ts)) < 0)
        return -EFAULT;
    if (clock != CLOCK_REALTIME)
        return -EPERM;
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
        if (v.tv_usec > 1000000 || v.tv_usec < 0) // Linux's test: 1000000 is caught later
            return -EINVAL;
        ts = (struct __kernel_timespec){ .tv_sec = v.tv_sec, .tv_nsec = v.tv_usec * 1000 };
    }
    if (tz && copy_from_user(&zone, tz, sizeof(zone)) < 0)
        return -EFAULT;
    return settimeofday_checked(tv ? &ts : NULL, tz ? &zone : NULL);
}

// Every clock a sleep may use is the monotonic clock plus an offset, so a
// deadline on it is a deadline on the monotonic clock.
uint64_t
deadline_monotonic(int clock, uint64_t deadline)
{
    uint64_t now, mono = clock_monotonic_ns();

    if (clock_now(clock, &now) < 0 || now >= deadline)
        return mono;
    return add_ns_saturating(mono, deadline - now);
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

// Sleep until the monotonic DEADLINE. Interrupted: the time left goes to
// REM (relative sleeps), and a restart resumes the same deadline
// (restart_syscall(2)), as Linux's nanosleep does.
static long
sleep_to(uint64_t deadline, bool relative, struct __kernel_timespec __user *rem)
{
    struct thread *t = current_thread();
    uint64_t now, left;

    if (sched_block(deadline, true) != WAKE_SIGNAL)
        return 0;
    if (!relative)
        return -ERESTARTNOHAND;
    now = clock_monotonic_ns();
    left = deadline > now ? deadline - now : 0;
    if (rem) {
        struct __kernel_timespec ts = to_timespec(left);
        if (copy_to_user(rem, &ts, sizeof(ts)) < 0)
            return -EFAULT;
    }
    t->restart.fn = nanosleep_restart;
    t->restart.deadline = deadline;
    t->restart.rem = (uint64_t)rem;
    return -ERESTART_RESTARTBLOCK;
}

static long
nanosleep_restart(struct thread *t)
{
    return sleep_to(t->restart.deadline, true, (struct __kernel_timespec __user *)t->restart.rem);
}

long
sys_restart_syscall(void)
{
    struct thread *t = current_thread();

    if (!t->restart.fn)
        return -EINTR;
    return t->restart.fn(t);
}

long
sys_clock_nanosleep(int clock, int flags, const struct __kernel_timespec __user *req,
                    struct __kernel_timespec __user *rem)
{
    uint64_t ns, now;
    long ret;

    if (clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    if (clock < 0 || clock == CLOCK_PROCESS_CPUTIME_ID)
        return -EOPNOTSUPP; // LINUX-DIFF: sleeping on a CPU clock is not done yet
    if ((ret = clock_now(clock, &now)) < 0)
        return ret;
    if ((ret = timespec_from_user(req, &ns)) < 0)
        return ret;
    if (flags & TIMER_ABSTIME)
        return sleep_to(deadline_monotonic(clock, ns), false, NULL);
    return sleep_to(add_ns_saturating(clock_monotonic_ns(), ns), true, rem);
}

long
sys_nanosleep(const struct __kernel_timespec __user *req, struct __kernel_timespec __user *rem)
{
    return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}
