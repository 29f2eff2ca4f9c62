// epoll_create(2), epoll_create1, epoll_ctl(2), epoll_wait(2), epoll_pwait
// and epoll_pwait2: argument checks in Linux's order, copies, and the
// signal mask of the pwait forms. The sets are kernel/fs/epoll.c's.
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/epoll.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "sched/signal.h"
#include "sched/wait.h"
#include "drivers/clock.h"
#include "syscalls/timespec.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <linux/eventpoll.h>
#include <linux/time_types.h>

#define EP_MAX_EVENTS (INT32_MAX / sizeof(struct epoll_event))
// The events EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS).
#define EXCLUSIVE_OK                                                                               \
    (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
// Events gathered per wait when the set is small; more come at the next call.
#define MIN_GATHER 64

long
sys_epoll_create1(int flags)
{
    struct file *f;
    long ret;

    if (flags & ~EPOLL_CLOEXEC)
        return -EINVAL;
    if ((ret = epoll_new(&f)) < 0)
        return ret;
    return anon_file_install(f, flags & EPOLL_CLOEXEC);
}

// SIZE only has to be positive, as since Linux 2.6.8.
long
sys_epoll_create(int size)
{
    return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}

// Linux's checks after the event is copied: EPERM for a file with no poll
// (regular files, directories, /dev/null), EINVAL for an epoll on itself or
// not an epoll, and where EPOLLEXCLUSIVE may not go.
static long
check_ctl(struct file *ep, int op, struct file *target, const struct epoll_event *ev)
{
    if (!target->ops->poll)
        return -EPERM;
    if (ep == target || !file_is_epoll(ep))
        return -EINVAL;
    if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
        (op == EPOLL_CTL_MOD || file_is_epoll(target) || (ev->events & ~EXCLUSIVE_OK)))
        return -EINVAL;
    return 0;
}

long
sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event __user *uevent)
{
    struct epoll_event ev = { 0 };
    struct file *ep, *target;
    long ret;

    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uevent, sizeof(ev)) < 0)
        return -EFAULT;
    if (!(ep = fd_get(epfd)) || !(target = fd_get(fd)))
        return -EBADF;
    if ((ret = check_ctl(ep, op, target, &ev)) < 0)
        return ret;
    return epoll_ctl(ep, op, fd, target, &ev);
}

// Wait on EPFD and copy what is ready to EVENTS. The epoll stays open while
// the call waits in it, whatever another thread does with the descriptor.
static long
do_epoll_wait(int epfd, struct epoll_event __user *uevents, int maxevents, uint64_t deadline,
              bool nonblock)
{
    struct epoll_event *out;
    struct file *ep;
    long n;

    if (maxevents <= 0 || (uint64_t)maxevents > EP_MAX_EVENTS)
        return -EINVAL;
    if ((uint64_t)uevents > USER_TOP - maxevents * sizeof(*out))
        return -EFAULT;
    if (!(ep = fd_get(epfd)))
        return -EBADF;
    if (!file_is_epoll(ep))
        return -EINVAL;
    // Room for every item (items another thread adds meanwhile may have to wait for the next call).
    n = MIN(maxevents, MAX(epoll_num_items(ep), MIN_GATHER));
    if (!(out = kmalloc(n * sizeof(*out))))
        return -ENOMEM;
    file_get(ep);
    n = epoll_wait_events(ep, out, n, deadline, nonblock);
    file_put(ep);
    if (n > 0 && copy_to_user(uevents, out, n * sizeof(*out)) < 0)
        n = -EFAULT;
    kfree(out);
    return n;
}

// epoll_wait's milliseconds: negative waits forever, 0 only looks.
static long
wait_ms(int epfd, struct epoll_event __user *uevents, int maxevents, int timeout)
{
    uint64_t deadline =
        timeout < 0 ? WAIT_FOREVER : add_ns_saturating(clock_monotonic_ns(), timeout * 1000000ull);

    return do_epoll_wait(epfd, uevents, maxevents, deadline, timeout == 0);
}

long
sys_epoll_wait(int epfd, struct epoll_event __user *uevents, int maxevents, int timeout)
{
    return wait_ms(epfd, uevents, maxevents, timeout);
}

// The call's own signal mask, if it gives one: set for the wait, and put
// back after it unless a signal ended it (then the handler's frame saves
// the old one and rt_sigreturn restores it).
static long
mask_for_call(const uint64_t __user *umask, size_t size, bool *masked)
{
    uint64_t mask;

    *masked = false;
    if (!umask)
        return 0;
    if (size != sizeof(mask))
        return -EINVAL;
    if (copy_from_user(&mask, umask, sizeof(mask)) < 0)
        return -EFAULT;
    signal_mask_for_call(mask);
    *masked = true;
    return 0;
}

long
sys_epoll_pwait(int epfd, struct epoll_event __user *uevents, int maxevents, int timeout,
                const uint64_t __user *umask, size_t sigsetsize)
{
    bool masked;
    long ret;

    if ((ret = mask_for_call(umask, sigsetsize, &masked)) < 0)
        return ret;
    ret = wait_ms(epfd, uevents, maxevents, timeout);
    if (masked)
        signal_mask_after_call(ret == -EINTR);
    return ret;
}

// A NULL timeout waits forever; a zero one only looks.
long
sys_epoll_pwait2(int epfd, struct epoll_event __user *uevents, int maxevents,
                 const struct __kernel_timespec __user *uts, const uint64_t __user *umask,
                 size_t sigsetsize)
{
    uint64_t ns = UINT64_MAX, deadline = WAIT_FOREVER;
    bool masked;
    long ret;

    if (uts) {
        if ((ret = timespec_from_user(uts, &ns)) < 0)
            return ret;
        deadline = add_ns_saturating(clock_monotonic_ns(), ns);
    }
    if ((ret = mask_for_call(umask, sigsetsize, &masked)) < 0)
        return ret;
    ret = do_epoll_wait(epfd, uevents, maxevents, deadline, ns == 0);
    if (masked)
        signal_mask_after_call(ret == -EINTR);
    return ret;
}
