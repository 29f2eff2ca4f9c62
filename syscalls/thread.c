// Thread syscalls. Until the kernel runs more than one thread, futex has no
// one to wake and no one to wait for: WAKE wakes nobody, WAIT on a changed
// value is EAGAIN as on Linux, and a WAIT that could only end by another
// thread's hand times out (with a timeout) or is logged and fails EINTR.
#include "types.h"
#include "mm/uaccess.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "sched/proc.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/futex.h>
#include <linux/time.h>
#include <linux/time_types.h>


static long
futex_wait(uint32_t __user *uaddr, uint32_t val, const struct __kernel_timespec __user *utimeout, bool abs,
           bool realtime)
{
    uint32_t cur;
    uint64_t deadline;
    long ret;

    if ((uint64_t)uaddr & 3)
        return -EINVAL;
    if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    if (!utimeout) {
        klog("futex: wait at %p with no other thread to wake it; EINTR", (void *)uaddr);
        return -EINTR;
    }
    if ((ret = timespec_from_user(utimeout, &deadline)) < 0)
        return ret;
    if (!abs)
        deadline = add_ns_saturating(clock_monotonic_ns(), deadline);
    sleep_until(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, deadline);   // no other thread can change *uaddr
    return -ETIMEDOUT;
}

long
sys_futex(uint32_t __user *uaddr, int op, uint32_t val, const struct __kernel_timespec __user *timeout,
          uint32_t __user *uaddr2, uint32_t val3)
{
    int cmd = op & FUTEX_CMD_MASK;

    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:                    // relative: the clock does not matter
        return futex_wait(uaddr, val, timeout, false, false);
    case FUTEX_WAIT_BITSET:
        return val3 ? futex_wait(uaddr, val, timeout, true, op & FUTEX_CLOCK_REALTIME) : -EINVAL;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
        return (uint64_t)uaddr & 3 ? -EINVAL : 0;
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_WAKE_OP:
        return 0;
    default:
        return -ENOSYS;
    }
}
