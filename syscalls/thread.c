// Thread syscalls: clone and clone3 (a thread, or a process: then
// kernel/sched/process.c), exit of one thread, futex. The work is in
// kernel/sched/; here the arguments are checked in Linux's order
// (kernel/fork.c's copy_process rules as clone(2) documents them).
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "sched/thread.h"
#include "sched/futex.h"
#include "sched/process.h"
#include "mm/uaccess.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include "fs/pidfd.h"
#include "fs/anon.h"

// What a thread of this kernel must share, and what else it may ask for.
#define THREAD_NEEDS (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_FILES)
#define THREAD_MAY                                                                                 \
    (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |                   \
     CLONE_CHILD_SETTID | CLONE_DETACHED | CLONE_UNTRACED | CLONE_PTRACE | CLONE_IO)

// Combinations Linux itself refuses with EINVAL.
static long
check_flags(uint64_t flags)
{
    if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
        return -EINVAL;
    if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
        return -EINVAL;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED))
        return -EINVAL;
    return 0;
}

// What a new process may ask for: sharing its parent's memory (vfork,
// posix_spawn) or descriptor table, or neither (fork). LINUX-DIFF: CLONE_FS
// and CLONE_SIGHAND without CLONE_THREAD copy instead of sharing.
#define PROCESS_MAY                                                                                \
    (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_SYSVSEM |   \
     CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID |              \
     CLONE_DETACHED | CLONE_UNTRACED | CLONE_PTRACE | CLONE_IO | CLONE_PIDFD)

// A thread, or a process (no CLONE_THREAD); namespaces, pidfds and the
// rest are refused with one log line naming the flags.
static long
check_supported(uint64_t flags)
{
    if (flags & CLONE_THREAD) {
        if ((flags & THREAD_NEEDS) == THREAD_NEEDS &&
            !(flags & ~(THREAD_NEEDS | THREAD_MAY | CSIGNAL)))
            return 0;
    } else if (!(flags & ~(uint64_t)PROCESS_MAY)) {
        return 0;
    }
    klog("clone: flags 0x%lx not supported (a thread needs 0x%x and may add 0x%x; a process may "
         "use 0x%x)",
         flags, THREAD_NEEDS, THREAD_MAY, PROCESS_MAY);
    return -EINVAL;
}

// CLONE_PIDFD: a pidfd for the new process (close-on-exec, in the parent
// only), its number written to WHERE. The place is written once before the
// clone, so a bad pointer fails the call (EFAULT) with no child made, as
// Linux. LINUX-DIFF: the pidfd is made after the child, so a vfork child
// does not see it in the table it shares, and running out of descriptors
// then writes the error (-EMFILE) there instead of failing the clone.
static long
clone_with_pidfd(const struct clone_req *req, int __user *where)
{
    int fd = -1;
    struct file *f;
    long pid;

    if (copy_to_user(where, &fd, sizeof(fd)) < 0)
        return -EFAULT;
    if ((pid = req->flags & CLONE_THREAD ? thread_clone(req) : proc_fork(req)) <= 0)
        return pid;
    f = pidfd_file_new(pid, 0);
    fd = f ? (int)anon_file_install(f, true) : -ENOMEM;
    copy_to_user(where, &fd, sizeof(fd));
    return pid;
}

static long
do_clone(const struct clone_req *req, int __user *pidfd)
{
    if (req->flags & CLONE_PIDFD)
        return clone_with_pidfd(req, pidfd);
    return req->flags & CLONE_THREAD ? thread_clone(req) : proc_fork(req);
}

long
sys_clone(unsigned long flags, unsigned long newsp, int __user *parent_tid, int __user *child_tid,
          unsigned long tls)
{
    struct clone_req req = { flags, newsp, tls, (uint64_t)parent_tid, (uint64_t)child_tid };
    long ret;

    if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
        return -EINVAL;     // clone(2) passes both through parent_tid
    if ((ret = check_flags(flags)) < 0 || (ret = check_supported(flags)) < 0)
        return ret;
    return do_clone(&req, parent_tid);
}

#define CLONE_ARGS_SIZE_VER0 64

// clone3's argument block: versions grow at the end; a larger block than we
// know must hold zeros past what we read (E2BIG otherwise), as Linux checks.
static long
clone3_args_from_user(const void __user *uargs, size_t size, struct clone_args *a)
{
    uint8_t extra[64];

    if (size < CLONE_ARGS_SIZE_VER0)
        return -EINVAL;
    if (size > PAGE_SIZE)
        return -E2BIG;
    *a = (struct clone_args){ 0 };
    if (copy_from_user(a, uargs, MIN(size, sizeof(*a))) < 0)
        return -EFAULT;
    for (size_t off = sizeof(*a); off < size; off += sizeof(extra)) {
        size_t n = MIN(sizeof(extra), size - off);
        if (copy_from_user(extra, (const uint8_t __user *)uargs + off, n) < 0)
            return -EFAULT;
        for (size_t i = 0; i < n; i++)
            if (extra[i])
                return -E2BIG;
    }
    return 0;
}

long
sys_clone3(struct clone_args __user *uargs, size_t size)
{
    struct clone_args a;
    struct clone_req req;
    long ret;

    if ((ret = clone3_args_from_user(uargs, size, &a)) < 0)
        return ret;
    if ((a.flags & CSIGNAL) || (a.exit_signal & ~(uint64_t)CSIGNAL) || a.set_tid_size > 32 ||
        (!a.set_tid && a.set_tid_size) || (a.set_tid && !a.set_tid_size))
        return -EINVAL;
    if ((a.stack == 0) != (a.stack_size == 0))
        return -EINVAL;
    if ((ret = check_flags(a.flags)) < 0)
        return ret;
    if (a.set_tid_size || (a.flags & CLONE_INTO_CGROUP)) {
        klog("clone3: set_tid and CLONE_INTO_CGROUP are not supported");
        return -EINVAL;
    }
    if ((ret = check_supported(a.flags)) < 0)
        return ret;
    // clone3 takes the exit signal apart from the flags; a clone_req carries it in CSIGNAL.
    req = (struct clone_req){ a.flags | a.exit_signal, a.stack ? a.stack + a.stack_size : 0, a.tls,
                              a.parent_tid, a.child_tid };
    return do_clone(&req, (int __user *)a.pidfd);
}

long
sys_exit(int status)
{
    thread_exit(status);
}

// FUTEX_WAIT's timeout is relative; the others' absolute, on the monotonic
// clock unless FUTEX_CLOCK_REALTIME (LOCK_PI: always realtime).
static long
futex_deadline(const struct __kernel_timespec __user *ut, bool relative, int clock,
               uint64_t *deadline)
{
    uint64_t ns;
    long ret;

    *deadline = FUTEX_FOREVER;
    if (!ut)
        return 0;
    if ((ret = timespec_from_user(ut, &ns)) < 0)
        return ret;
    *deadline =
        relative ? add_ns_saturating(clock_monotonic_ns(), ns) : deadline_monotonic(clock, ns);
    return 0;
}

long
sys_futex(uint32_t __user *uaddr, int op, uint32_t val,
          const struct __kernel_timespec __user *timeout, uint32_t __user *uaddr2, uint32_t val3)
{
    int cmd = op & FUTEX_CMD_MASK;
    bool shared = !(op & FUTEX_PRIVATE_FLAG);
    int clock = op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    int val2 = (int)(uint64_t)timeout;      // the timeout slot holds a count for these
    uint64_t deadline;
    long ret;

    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
        cmd != FUTEX_LOCK_PI2)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
        if ((ret = futex_deadline(timeout, cmd == FUTEX_WAIT, clock, &deadline)) < 0)
            return ret;
        return futex_wait(uaddr, shared, val, deadline,
                          cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3);
    case FUTEX_WAKE: return futex_wake(uaddr, shared, val, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET: return futex_wake(uaddr, shared, val, val3);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(uaddr, shared, val, val2, uaddr2, cmd == FUTEX_CMP_REQUEUE, val3);
    case FUTEX_WAKE_OP: return futex_wake_op(uaddr, shared, val, val2, uaddr2, val3);
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
        if ((ret = futex_deadline(timeout, false, cmd == FUTEX_LOCK_PI ? CLOCK_REALTIME : clock,
                                  &deadline)) < 0)
            return ret;
        return futex_lock_pi(uaddr, shared, deadline, false);
    case FUTEX_TRYLOCK_PI: return futex_lock_pi(uaddr, shared, FUTEX_FOREVER, true);
    case FUTEX_UNLOCK_PI: return futex_unlock_pi(uaddr, shared);
    default: klog("futex: op %d not supported (requeue-PI)", cmd); return -ENOSYS;
    }
}
