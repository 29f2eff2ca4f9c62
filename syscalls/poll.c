// poll(2), ppoll(2), select(2) and pselect6(2). Waiting is checking
// readiness again whenever something may have changed (sched/wait.c: an
// interrupt's work, another thread writing a pipe) until a descriptor is
// ready, the time is up, or a signal comes (EINTR once its handler ran).
// ppoll and pselect6 wait under the mask they are given.
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/file.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "sched/wait.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/time_types.h>

#define NO_DEADLINE WAIT_FOREVER
// What select counts as ready in each set (Linux's POLLIN_SET and friends).
#define SELECT_IN  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SELECT_EX  (POLLPRI)

struct timeval_k {      // struct __kernel_old_timeval
    int64_t tv_sec, tv_usec;
};

// Fill in each entry's revents; return how many have any.
static long
poll_once(struct pollfd *p, unsigned int n)
{
    long ready = 0;

    for (unsigned int i = 0; i < n; i++) {
        p[i].revents = 0;
        if (p[i].fd >= 0) {
            struct file *f = fd_get(p[i].fd);
            p[i].revents = !f ? POLLNVAL : file_poll(f) & (p[i].events | POLLERR | POLLHUP);
        }
        ready += p[i].revents != 0;
    }
    return ready;
}

struct poll_set {
    struct pollfd *p;
    unsigned int n;
    long ready;
};

__after_boot static bool
poll_set_ready(void *arg)
{
    struct poll_set *s = arg;

    return (s->ready = poll_once(s->p, s->n)) != 0;
}

// How many entries are ready, or -ERESTARTNOHAND when a signal came first.
static long
poll_wait(struct pollfd *p, unsigned int n, uint64_t deadline)
{
    struct poll_set s = { p, n, 0 };

    if (wait_event(deadline, poll_set_ready, &s, true) == -EINTR)
        return -ERESTARTNOHAND;
    return s.ready;
}

static uint64_t
deadline_after(uint64_t ns)
{
    return add_ns_saturating(clock_monotonic_ns(), ns);
}

static uint64_t
time_left(uint64_t deadline)
{
    uint64_t now = clock_monotonic_ns();

    return now >= deadline ? 0 : deadline - now;
}

// A relative timespec from the program: its deadline, or NO_DEADLINE for NULL.
static long
read_timespec(const struct __kernel_timespec __user *uts, uint64_t *deadline)
{
    uint64_t ns;
    long ret;

    *deadline = NO_DEADLINE;
    if (!uts)
        return 0;
    if ((ret = timespec_from_user(uts, &ns)) < 0)
        return ret;
    *deadline = deadline_after(ns);
    return 0;
}

// Write back the time left, as Linux does for the raw syscalls.
static void
write_timespec_left(struct __kernel_timespec __user *uts, uint64_t deadline)
{
    uint64_t left = time_left(deadline);
    struct __kernel_timespec ts = { left / NSEC_PER_SEC, left % NSEC_PER_SEC };

    if (uts && deadline != NO_DEADLINE)
        copy_to_user(uts, &ts, sizeof(ts));   // a failure here is not reported, as on Linux
}

// The signal mask of ppoll and pselect6, put in place for the call; *SET
// says whether one was given.
static long
read_sigmask(const uint64_t __user *umask, size_t size, uint64_t *mask, bool *set)
{
    *set = false;
    if (!umask)
        return 0;
    if (size != sizeof(*mask))
        return -EINVAL;
    if (copy_from_user(mask, umask, sizeof(*mask)) < 0)
        return -EFAULT;
    *set = true;
    return 0;
}

static long
do_poll(struct pollfd __user *ufds, unsigned int nfds, uint64_t deadline)
{
    struct pollfd *p;
    long ret;

    if (nfds > FD_MAX)
        return -EINVAL;
    if (!(p = kmalloc(nfds * sizeof(*p) + 1)))
        return -ENOMEM;
    if (copy_from_user(p, ufds, nfds * sizeof(*p)) < 0)
        ret = -EFAULT;
    else if ((ret = poll_wait(p, nfds, deadline)) >= 0 &&
             copy_to_user(ufds, p, nfds * sizeof(*p)) < 0)
        ret = -EFAULT;
    kfree(p);
    return ret;
}

long
sys_poll(struct pollfd __user *ufds, unsigned int nfds, int timeout_ms)
{
    return do_poll(ufds, nfds,
                   timeout_ms < 0 ? NO_DEADLINE : deadline_after(timeout_ms * 1000000ull));
}

long
sys_ppoll(struct pollfd __user *ufds, unsigned int nfds, struct __kernel_timespec __user *uts,
          const uint64_t __user *umask, size_t sigsetsize)
{
    uint64_t deadline, mask;
    bool masked;
    long ret;

    if ((ret = read_timespec(uts, &deadline)) < 0 ||
        (ret = read_sigmask(umask, sigsetsize, &mask, &masked)) < 0)
        return ret;
    if (masked)
        signal_mask_for_call(mask);
    ret = do_poll(ufds, nfds, deadline);
    if (masked)
        signal_mask_after_call(ret == -ERESTARTNOHAND);
    write_timespec_left(uts, deadline);
    return ret;
}

// select's sets as poll entries: one per descriptor in any set.
struct select_sets {
    unsigned int nfds;
    uint64_t *in, *out, *ex;       // copies of the program's sets (NULL when it gave none)
    size_t bytes;                  // of each set, whole longs as Linux copies
};

static long
read_set(const void __user *uset, uint64_t **set, size_t bytes)
{
    *set = NULL;
    if (!uset)
        return 0;
    if (!(*set = kmalloc(bytes)))
        return -ENOMEM;
    return copy_from_user(*set, uset, bytes) < 0 ? -EFAULT : 0;
}

static bool
in_set(const uint64_t *set, unsigned int fd)
{
    return set && (set[fd / 64] >> (fd % 64)) & 1;
}

// Check the sets and make the poll entries; -EBADF for a closed descriptor in
// any set. LINUX-DIFF: Linux ignores set bits past its descriptor table's
// current size (64 until a program opens more); ours is always FD_MAX.
static long
sets_to_pollfds(const struct select_sets *s, struct pollfd *p, unsigned int *n)
{
    *n = 0;
    for (unsigned int fd = 0; fd < s->nfds; fd++) {
        short events = (in_set(s->in, fd) ? SELECT_IN : 0) | (in_set(s->out, fd) ? SELECT_OUT : 0) |
                       (in_set(s->ex, fd) ? SELECT_EX : 0);
        if (!events)
            continue;
        if (!fd_get(fd))
            return -EBADF;
        p[(*n)++] = (struct pollfd){ .fd = fd, .events = events };
    }
    return 0;
}

// Clear the sets, then set the bits of what is ready; return how many bits.
static long
pollfds_to_sets(struct select_sets *s, const struct pollfd *p, unsigned int n)
{
    long count = 0;

    for (uint64_t **set = &s->in; set <= &s->ex; set++)
        if (*set)
            memset(*set, 0, s->bytes);
    for (unsigned int i = 0; i < n; i++) {
        unsigned int fd = p[i].fd;
        uint64_t bit = 1ull << (fd % 64);
        if (s->in && (p[i].events & SELECT_IN) && (p[i].revents & SELECT_IN))
            s->in[fd / 64] |= bit, count++;
        if (s->out && (p[i].events & SELECT_OUT) && (p[i].revents & SELECT_OUT))
            s->out[fd / 64] |= bit, count++;
        if (s->ex && (p[i].events & SELECT_EX) && (p[i].revents & SELECT_EX))
            s->ex[fd / 64] |= bit, count++;
    }
    return count;
}

static long
write_sets(const struct select_sets *s, void __user *uin, void __user *uout, void __user *uex)
{
    if ((uin && copy_to_user(uin, s->in, s->bytes) < 0) ||
        (uout && copy_to_user(uout, s->out, s->bytes) < 0) ||
        (uex && copy_to_user(uex, s->ex, s->bytes) < 0))
        return -EFAULT;
    return 0;
}

static long
do_select(int nfds, void __user *uin, void __user *uout, void __user *uex, uint64_t deadline)
{
    struct select_sets s = { 0 };
    struct pollfd *p = NULL;
    unsigned int n;
    long ret;

    if (nfds < 0)
        return -EINVAL;
    s.nfds = MIN((unsigned int)nfds, FD_MAX);
    s.bytes = ALIGN_UP(s.nfds, 64) / 8;
    if ((ret = read_set(uin, &s.in, s.bytes)) < 0 || (ret = read_set(uout, &s.out, s.bytes)) < 0 ||
        (ret = read_set(uex, &s.ex, s.bytes)) < 0)
        goto out;
    if (!(p = kmalloc(s.nfds * sizeof(*p) + 1))) {
        ret = -ENOMEM;
        goto out;
    }
    if ((ret = sets_to_pollfds(&s, p, &n)) < 0)
        goto out;
    if ((ret = poll_wait(p, n, deadline)) < 0)
        goto out;
    ret = pollfds_to_sets(&s, p, n);
    if (write_sets(&s, uin, uout, uex) < 0)
        ret = -EFAULT;
out:
    kfree(p);
    kfree(s.in);
    kfree(s.out);
    kfree(s.ex);
    return ret;
}

long
sys_select(int nfds, void __user *uin, void __user *uout, void __user *uex,
           struct timeval_k __user *utv)
{
    uint64_t deadline = NO_DEADLINE, left;
    struct timeval_k tv;
    long ret;

    if (utv) {
        if (copy_from_user(&tv, utv, sizeof(tv)) < 0)
            return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
            return -EINVAL;
        if ((uint64_t)tv.tv_sec < NO_DEADLINE / NSEC_PER_SEC)
            deadline = deadline_after(tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000);
    }
    ret = do_select(nfds, uin, uout, uex, deadline);
    if (utv && deadline != NO_DEADLINE) {
        left = time_left(deadline);
        tv = (struct timeval_k){ left / NSEC_PER_SEC, left % NSEC_PER_SEC / 1000 };
        copy_to_user(utv, &tv, sizeof(tv));
    }
    return ret;
}

// pselect6's sixth argument: where the signal mask is and its size.
struct pselect_sigmask {
    const uint64_t __user *mask;
    size_t size;
};

long
sys_pselect6(int nfds, void __user *uin, void __user *uout, void __user *uex,
             struct __kernel_timespec __user *uts, const struct pselect_sigmask __user *usig)
{
    struct pselect_sigmask sig = { 0 };
    uint64_t deadline, mask;
    bool masked;
    long ret;

    if ((ret = read_timespec(uts, &deadline)) < 0)
        return ret;
    if (usig && copy_from_user(&sig, usig, sizeof(sig)) < 0)
        return -EFAULT;
    if ((ret = read_sigmask(sig.mask, sig.size, &mask, &masked)) < 0)
        return ret;
    if (masked)
        signal_mask_for_call(mask);
    ret = do_select(nfds, uin, uout, uex, deadline);
    if (masked)
        signal_mask_after_call(ret == -ERESTARTNOHAND);
    write_timespec_left(uts, deadline);
    return ret;
}
