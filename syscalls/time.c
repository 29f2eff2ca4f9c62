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

static long
clock_now(int clock, uint64_t *ns)
{
    if (clock < 0)
        return cpu_clock_now(clock, ns);
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
        *ns = clock_monotonic_ns();
        return 0;
    case CLOCK_PROCESS_CPUTIME_ID:
        return cpu_clock_now(-6, ns);       // ~0 << 3 | SCHED: this process
    case CLOCK_THREAD_CPUTIME_ID:
        return cpu_clock_now(-2, ns);       // ~0 << 3 | 4 | SCHED: this thread
    default:
        return -EINVAL;
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
        return -EOPNOTSUPP;     // LINUX-DIFF: sleeping on a CPU clock is not done yet
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
