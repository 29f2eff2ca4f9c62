// timerfd_create(2), timerfd_settime and timerfd_gettime: checks in Linux's
// order and the itimerspec copies; the timer is kernel/fs/timerfd.c's.
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/timerfd.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/uaccess.h"
#include "syscalls/timespec.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/timerfd.h>

#define TFD_CREATE_FLAGS  (TFD_CLOEXEC | TFD_NONBLOCK)
#define TFD_SETTIME_FLAGS (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)

// The *_ALARM clocks wake a suspended machine; nothing here suspends, so
// they are their plain clocks (root has CAP_WAKE_ALARM, as in a container).
static long
timerfd_clock(int clock)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME: return clock;
    case CLOCK_REALTIME_ALARM: return CLOCK_REALTIME;
    case CLOCK_BOOTTIME_ALARM: return CLOCK_BOOTTIME;
    }
    return -EINVAL;
}

long
sys_timerfd_create(int clockid, int flags)
{
    struct file *f;
    long clock = timerfd_clock(clockid), ret;

    if ((flags & ~TFD_CREATE_FLAGS) || clock < 0)
        return -EINVAL;
    if ((ret = timerfd_new(clock, flags, &f)) < 0)
        return ret;
    return anon_file_install(f, flags & TFD_CLOEXEC);
}

// FD as a timerfd: -EBADF when not open, -EINVAL when not a timerfd.
static long
get_timerfd(int fd, struct file **out)
{
    if (!(*out = fd_get(fd)))
        return -EBADF;
    return file_is_timerfd(*out) ? 0 : -EINVAL;
}

static long
itimerspec_to_user(struct __kernel_itimerspec __user *u, uint64_t value, uint64_t interval)
{
    struct __kernel_itimerspec v = {
        .it_interval = { interval / NSEC_PER_SEC, interval % NSEC_PER_SEC },
        .it_value = { value / NSEC_PER_SEC, value % NSEC_PER_SEC },
    };

    return copy_to_user(u, &v, sizeof(v));
}

// TFD_TIMER_CANCEL_ON_SET is accepted and never fires: the realtime clock
// cannot be set here (clock_settime and settimeofday are missing).
long
sys_timerfd_settime(int fd, int flags, const struct __kernel_itimerspec __user *unew,
                    struct __kernel_itimerspec __user *uold)
{
    struct __kernel_itimerspec v;
    uint64_t value, interval, old_value, old_interval;
    struct file *f;
    long ret;

    if (copy_from_user(&v, unew, sizeof(v)) < 0)
        return -EFAULT;
    if (flags & ~TFD_SETTIME_FLAGS)
        return -EINVAL;
    if ((ret = timespec_from_user(&unew->it_value, &value)) < 0 ||
        (ret = timespec_from_user(&unew->it_interval, &interval)) < 0)
        return ret;
    if ((ret = get_timerfd(fd, &f)) < 0)
        return ret;
    timerfd_set(f, flags & TFD_TIMER_ABSTIME, value, interval, &old_value, &old_interval);
    return uold ? itimerspec_to_user(uold, old_value, old_interval) : 0;
}

long
sys_timerfd_gettime(int fd, struct __kernel_itimerspec __user *ucur)
{
    uint64_t value, interval;
    struct file *f;
    long ret;

    if ((ret = get_timerfd(fd, &f)) < 0)
        return ret;
    timerfd_get(f, &value, &interval);
    return itimerspec_to_user(ucur, value, interval);
}
