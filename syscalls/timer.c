// Timer and CPU-time syscalls: alarm, setitimer/getitimer, the POSIX
// timers (timer_create and friends), times and getrusage. The timers
// themselves are in kernel/sched/ptimer.c; CPU time is the scheduler's.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "sched/ptimer.h"
#include "sched/sched.h"
#include "syscalls/timespec.h"
#include "mm/uaccess.h"
#include "mm/pmm.h"
#include "drivers/clock.h"
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm-generic/siginfo.h>
#include <asm/signal.h>
#include <linux/resource.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/times.h>

#define USER_HZ 100     // clock_t ticks, as sysconf(_SC_CLK_TCK) says on Linux

struct itimerval_k {
    struct __kernel_old_timeval interval, value;
};

static uint64_t
tv_to_ns(const struct __kernel_old_timeval *tv)
{
    return tv->tv_sec * NSEC_PER_SEC + tv->tv_usec * 1000;
}

static struct __kernel_old_timeval
ns_to_tv(uint64_t ns)
{
    // Rounded up to the microsecond, so a timer still running never reads 0.
    uint64_t us = (ns + 999) / 1000;

    return (struct __kernel_old_timeval){ us / 1000000, us % 1000000 };
}

static bool
tv_valid(const struct __kernel_old_timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

long
sys_getitimer(int which, struct itimerval_k __user *uvalue)
{
    struct itimerval_k v;
    uint64_t value, interval;
    long ret;

    if ((ret = itimer_get(which, &value, &interval)) < 0)
        return ret;
    v = (struct itimerval_k){ ns_to_tv(interval), ns_to_tv(value) };
    return copy_to_user(uvalue, &v, sizeof(v));
}

long
sys_setitimer(int which, const struct itimerval_k __user *unew, struct itimerval_k __user *uold)
{
    struct itimerval_k v = { { 0, 0 }, { 0, 0 } }, old;
    uint64_t old_value, old_interval;
    long ret;

    if (unew && copy_from_user(&v, unew, sizeof(v)) < 0)
        return -EFAULT;
    if (!tv_valid(&v.value) || !tv_valid(&v.interval))
        return -EINVAL;
    if ((ret = itimer_set(which, tv_to_ns(&v.value), tv_to_ns(&v.interval), &old_value,
                          &old_interval)) < 0)
        return ret;
    old = (struct itimerval_k){ ns_to_tv(old_interval), ns_to_tv(old_value) };
    return uold ? copy_to_user(uold, &old, sizeof(old)) : 0;
}

// alarm(2): the seconds left of the previous alarm, rounded to the nearest
// and at least 1 if any time was left, as Linux's alarm_setitimer.
long
sys_alarm(unsigned int seconds)
{
    uint64_t old_value, old_interval;
    struct __kernel_old_timeval tv;

    itimer_set(ITIMER_REAL, seconds * NSEC_PER_SEC, 0, &old_value, &old_interval);
    if (!old_value)
        return 0;
    tv = ns_to_tv(old_value);
    return tv.tv_sec + ((!tv.tv_sec && tv.tv_usec) || tv.tv_usec >= 500000);
}

static bool
timer_clock_valid(int clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME ||
           clock == CLOCK_TAI;
}

long
sys_timer_create(int clock, struct sigevent __user *usev, int __user *uid)
{
    struct sigevent sev;
    int id;
    long ret;

    if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
        return -EPERM;      // LINUX-DIFF: no wake-up alarms (Linux: EPERM without CAP_WAKE_ALARM)
    if (!timer_clock_valid(clock))
        return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID || clock < 0
                   ? -EOPNOTSUPP
                   : -EINVAL;    // LINUX-DIFF: CPU-time POSIX timers are not done
    if (usev) {
        if (copy_from_user(&sev, usev, sizeof(sev)) < 0)
            return -EFAULT;
        switch (sev.sigev_notify) {
        case SIGEV_NONE: break;
        case SIGEV_THREAD_ID:
            if (!thread_find(sev.sigev_notify_thread_id))
                return -EINVAL;
            /* fall through */
        case SIGEV_SIGNAL:
            if (sev.sigev_signo <= 0 || sev.sigev_signo > NSIG_LINUX)
                return -EINVAL;
            break;
        default: return -EINVAL;     // SIGEV_THREAD is the C library's, made of SIGEV_THREAD_ID
        }
    }
    if ((ret = posix_timer_create(clock, usev ? &sev : NULL, &id)) < 0)
        return ret;
    if (copy_to_user(uid, &id, sizeof(id)) < 0) {
        posix_timer_delete(posix_timer_find(id));
        return -EFAULT;
    }
    return 0;
}

static struct __kernel_timespec
ns_to_ts(uint64_t ns)
{
    return (struct __kernel_timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

static long
itimerspec_to_user(struct __kernel_itimerspec __user *u, uint64_t value, uint64_t interval)
{
    struct __kernel_itimerspec v = { ns_to_ts(interval), ns_to_ts(value) };

    return copy_to_user(u, &v, sizeof(v));
}

long
sys_timer_settime(int id, int flags, const struct __kernel_itimerspec __user *unew,
                  struct __kernel_itimerspec __user *uold)
{
    struct posix_timer *pt = posix_timer_find(id);
    uint64_t value, interval, old_value, old_interval;
    long ret;

    if (!unew)
        return -EINVAL;
    if ((ret = timespec_from_user(&unew->it_value, &value)) < 0 ||
        (ret = timespec_from_user(&unew->it_interval, &interval)) < 0)
        return ret;
    if (!pt)
        return -EINVAL;
    posix_timer_get(pt, &old_value, &old_interval);
    posix_timer_set(pt, flags & TIMER_ABSTIME, value, interval);
    return uold ? itimerspec_to_user(uold, old_value, old_interval) : 0;
}

long
sys_timer_gettime(int id, struct __kernel_itimerspec __user *ucur)
{
    struct posix_timer *pt = posix_timer_find(id);
    uint64_t value, interval;

    if (!pt)
        return -EINVAL;
    posix_timer_get(pt, &value, &interval);
    return itimerspec_to_user(ucur, value, interval);
}

long
sys_timer_getoverrun(int id)
{
    struct posix_timer *pt = posix_timer_find(id);

    return pt ? pt->overrun_seen : -EINVAL;
}

long
sys_timer_delete(int id)
{
    struct posix_timer *pt = posix_timer_find(id);

    if (!pt)
        return -EINVAL;
    posix_timer_delete(pt);
    return 0;
}

static uint64_t
ticks(uint64_t ns)
{
    return ns / (NSEC_PER_SEC / USER_HZ);
}

// times(2): the process's user and system time; no children yet. The
// return value counts from boot, in the same ticks.
long
sys_times(struct tms __user *ubuf)
{
    uint64_t user, sys;
    struct tms t;

    proc_cpu_times(current_proc(), &user, &sys);
    t = (struct tms){ .tms_utime = ticks(user), .tms_stime = ticks(sys) };
    if (ubuf && copy_to_user(ubuf, &t, sizeof(t)) < 0)
        return -EFAULT;
    return ticks(clock_monotonic_ns());
}

long
sys_getrusage(int who, struct rusage __user *ru)
{
    struct rusage r;
    uint64_t user = 0, sys = 0;

    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    memset(&r, 0, sizeof(r));
    if (who == RUSAGE_SELF)
        proc_cpu_times(current_proc(), &user, &sys);
    else if (who == RUSAGE_THREAD)
        thread_cpu_times(current_thread(), &user, &sys);
    r.ru_utime = (struct __kernel_old_timeval){ user / NSEC_PER_SEC, user % NSEC_PER_SEC / 1000 };
    r.ru_stime = (struct __kernel_old_timeval){ sys / NSEC_PER_SEC, sys % NSEC_PER_SEC / 1000 };
    if (who != RUSAGE_CHILDREN)
        r.ru_maxrss = (pmm_num_total() - pmm_num_free()) * (PAGE_SIZE / 1024);
    return copy_to_user(ru, &r, sizeof(r));
}
