// Signal syscalls: actions, masks, the alternate stack, sending to the
// process or one of its threads, waiting for signals, and returning from a
// handler (rt_sigreturn). The work is in kernel/sched/signal.c.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "sched/signal.h"
#include "mm/uaccess.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/sigframe.h"
#include "sched/sched.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "log.h"
#include "fs/file.h"
#include "fs/pidfd.h"
#include <asm-generic/siginfo.h>
#include <asm-generic/errno.h>
#include <linux/signal.h>

#define SIGSET_SIZE 8
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SA_VALID                                                                                   \
    (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER |             \
     SA_RESETHAND | SA_RESTORER | 0x00000400 /* SA_EXPOSE_TAGBITS */)

__after_boot long
sys_rt_sigaction(int sig, const struct k_sigaction __user *act, struct k_sigaction __user *oact,
                 size_t sigsetsize)
{
    struct k_sigaction *slot, new;

    if (sigsetsize != SIGSET_SIZE)
        return -EINVAL;
    if (sig < 1 || sig > NSIG_LINUX)
        return -EINVAL;
    if (act && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    slot = &current_proc()->sigactions[sig];
    if (act && copy_from_user(&new, act, sizeof(new)) < 0)
        return -EFAULT;
    if (oact && copy_to_user(oact, slot, sizeof(*slot)) < 0)
        return -EFAULT;
    if (act) {
        new.flags &= SA_VALID;    // Linux drops unknown bits
        new.mask &= ~UNBLOCKABLE;
        *slot = new;
    }
    return 0;
}

__after_boot long
sys_rt_sigprocmask(int how, const uint64_t __user *set, uint64_t __user *oset, size_t sigsetsize)
{
    struct thread *t = current_thread();
    uint64_t new, old = t->sig_blocked;

    if (sigsetsize != SIGSET_SIZE)
        return -EINVAL;
    if (set) {
        if (copy_from_user(&new, set, sizeof(new)) < 0)
            return -EFAULT;
        if (how == SIG_BLOCK)
            new = old | new;
        else if (how == SIG_UNBLOCK)
            new = old & ~new;
        else if (how != SIG_SETMASK)
            return -EINVAL;
        t->sig_blocked = new & ~UNBLOCKABLE;
    }
    if (oset && copy_to_user(oset, &old, sizeof(old)) < 0) {
        t->sig_blocked = old;
        return -EFAULT;
    }
    return 0;
}

__after_boot long
sys_rt_sigpending(uint64_t __user *set, size_t sigsetsize)
{
    uint64_t pending = signal_pending_set(current_thread()) & current_thread()->sig_blocked;

    if (sigsetsize > SIGSET_SIZE)
        return -EINVAL;
    return copy_to_user(set, &pending, sigsetsize);
}

// The current state, then the new one. Linux refuses any change while the
// program runs on the alternate stack.
__after_boot long
sys_sigaltstack(const stack_t __user *ss, stack_t __user *old_ss)
{
    struct sig_altstack *as = signal_altstack();
    bool on = signal_on_altstack(current_thread()->frame->rsp);
    stack_t new, old = { .ss_sp = (void *)as->sp,
                         .ss_size = as->size,
                         .ss_flags = !as->size ? SS_DISABLE : (on ? SS_ONSTACK : 0) | as->flags };

    if (ss && copy_from_user(&new, ss, sizeof(new)) < 0)
        return -EFAULT;
    if (ss) {
        int mode = new.ss_flags & ~SS_AUTODISARM;
        if (on)
            return -EPERM;
        if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
            return -EINVAL;
        if (mode == SS_DISABLE) {
            *as = (struct sig_altstack){ 0 };
        } else {
            if (new.ss_size < MINSIGSTKSZ)
                return -ENOMEM;
            *as = (struct sig_altstack){ (uint64_t)new.ss_sp, new.ss_size,
                                         new.ss_flags &SS_AUTODISARM };
        }
    }
    if (old_ss && copy_to_user(old_ss, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

// Return from a handler through the frame below F's stack pointer. The
// registers come back whole (the exit is iretq): rax is the one returned.
__after_boot long
sys_rt_sigreturn(void)
{
    struct trap_frame *f = current_thread()->frame;
    uint64_t mask;

    if (sigframe_restore(f, &mask, signal_altstack()) < 0) {
        klog("rt_sigreturn: bad frame at %p; SIGSEGV", (void *)f->rsp);
        signal_bad_frame();
        return f->rax;
    }
    current_thread()->sig_blocked = mask & ~UNBLOCKABLE;
    return f->rax;
}

static bool
sig_valid(int sig)
{
    return sig >= 0 && sig <= NSIG_LINUX;
}

static struct sig_info
sender_info(int code)
{
    return (struct sig_info){ .code = code,
                              .pid = current_proc()->pid,
                              .uid = current_proc()->creds.ruid };
}

// May the caller signal P? Root may; others when a real or effective uid
// matches the target's real or saved uid (kill(2)).
static bool
may_signal(const struct proc *p)
{
    const struct creds *me = &current_proc()->creds, *it = &p->creds;

    return me->euid == 0 || me->ruid == it->ruid || me->ruid == it->suid || me->euid == it->ruid ||
           me->euid == it->suid;
}

// Send SIG to P with INFO, checking permission; sig 0 checks only.
static long
send_checked(struct proc *p, int sig, const struct sig_info *info)
{
    if (!may_signal(p))
        return -EPERM;
    if (!sig || p->zombie || p->exiting)
        return 0;
    return signal_send_proc(p, sig, info);
}

// A group (PGID > 0), or every process but the first program's invisible
// parent and the caller itself (-1): success if any was signalled.
static long
send_many(int pgid, int sig, const struct sig_info *info)
{
    long ret = -ESRCH, r;
    struct proc *me = current_proc();

    for (struct proc *p = proc_first(); p; p = p->all_next) {
        if (pgid > 0 ? p->pgid != pgid : p == me)
            continue;
        r = send_checked(p, sig, info);
        if (ret < 0)
            ret = r;
    }
    return ret;
}

// kill(2): a pid, 0 (the caller's group), -1 (all it may), -pgid.
__after_boot long
sys_kill(int pid, int sig)
{
    struct sig_info info = sender_info(SI_USER);
    struct proc *p;

    if (!sig_valid(sig))
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;
    if (pid > 0)
        return (p = proc_find(pid)) ? send_checked(p, sig, &info) : -ESRCH;
    if (pid == -1)
        return send_many(0, sig, &info);
    return send_many(pid ? -pid : current_proc()->pgid, sig, &info);
}

// A thread of ours: TGID must be our pid (or -1 for tkill).
static long
send_to_thread(int tgid, int tid, int sig, const struct sig_info *info)
{
    struct thread *t;

    if (tid <= 0 || (tgid != -1 && tgid <= 0))
        return -EINVAL;
    if (!sig_valid(sig))
        return -EINVAL;
    if ((tgid != -1 && tgid != current_proc()->pid) || !(t = thread_find(tid)))
        return -ESRCH;
    return sig ? signal_send_thread(t, sig, info) : 0;
}

__after_boot long
sys_tgkill(int tgid, int tid, int sig)
{
    struct sig_info info = sender_info(SI_TKILL);

    return send_to_thread(tgid, tid, sig, &info);
}

__after_boot long
sys_tkill(int tid, int sig)
{
    struct sig_info info = sender_info(SI_TKILL);

    return send_to_thread(-1, tid, sig, &info);
}

// The info a program queues with rt_sigqueueinfo: its si_code and value, as
// given; Linux refuses codes that would pose as the kernel (>= 0) or as
// tkill from another process only, and we are always the same process.
static long
queued_info(const siginfo_t __user *uinfo, struct sig_info *info)
{
    siginfo_t si;

    if (copy_from_user(&si, uinfo, sizeof(si)) < 0)
        return -EFAULT;
    *info = (struct sig_info){ .code = si.si_code,
                               .pid = si.si_pid,
                               .uid = si.si_uid,
                               .value = (uint64_t)si.si_value.sival_ptr };
    return 0;
}

__after_boot long
sys_rt_sigqueueinfo(int tgid, int sig, const siginfo_t __user *uinfo)
{
    struct sig_info info;
    long ret;

    if ((ret = queued_info(uinfo, &info)) < 0)
        return ret;
    if (!sig_valid(sig))
        return -EINVAL;
    if (tgid != current_proc()->pid)
        return -ESRCH;
    return sig ? signal_send_proc(current_proc(), sig, &info) : 0;
}

__after_boot long
sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const siginfo_t __user *uinfo)
{
    struct sig_info info;
    long ret;

    if ((ret = queued_info(uinfo, &info)) < 0)
        return ret;
    return send_to_thread(tgid, tid, sig, &info);
}

// Sleep until a signal the thread does not block is pending; then, as
// Linux, -ERESTARTNOHAND: EINTR once its handler has run.
static long
wait_for_signal(void)
{
    while (sched_block(WAIT_FOREVER, true) != WAKE_SIGNAL)
        ;
    return -ERESTARTNOHAND;
}

__after_boot long
sys_pause(void)
{
    return wait_for_signal();
}

// The handler runs with the old mask saved in its frame, so sigreturn puts
// back the mask from before rt_sigsuspend (signal.c, restore_sigmask).
__after_boot long
sys_rt_sigsuspend(const uint64_t __user *mask, size_t sigsetsize)
{
    struct thread *t = current_thread();
    uint64_t m;

    if (sigsetsize != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&m, mask, sizeof(m)) < 0)
        return -EFAULT;
    t->saved_sigmask = t->sig_blocked;
    t->restore_sigmask = true;
    t->sig_blocked = m & ~UNBLOCKABLE;
    return wait_for_signal();
}

// Wait for one of SET: those count as unblocked while we wait, so sending
// one wakes this thread, which then takes it off the queue itself.
static int
wait_in_set(uint64_t set, uint64_t deadline, struct sig_info *info)
{
    struct thread *t = current_thread();
    uint64_t blocked = t->sig_blocked;
    int sig;

    t->sig_blocked &= ~set;
    sched_block(deadline, true);
    t->sig_blocked = blocked;
    sig = signal_dequeue(t, set, info);
    if (sig)
        return sig;
    return signal_pending(t) ? -EINTR : -EAGAIN;
}

__after_boot long
sys_rt_sigtimedwait(const uint64_t __user *uset, siginfo_t __user *uinfo,
                    const struct __kernel_timespec __user *uts, size_t sigsetsize)
{
    struct thread *t = current_thread();
    uint64_t set, deadline = WAIT_FOREVER, ns;
    struct sig_info info;
    siginfo_t si;
    long sig;

    if (sigsetsize != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&set, uset, sizeof(set)) < 0)
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    if (uts) {
        if ((sig = timespec_from_user(uts, &ns)) < 0)
            return sig;
        deadline = add_ns_saturating(clock_monotonic_ns(), ns);
    }
    sig = signal_dequeue(t, set, &info);
    if (!sig)
        sig = deadline == clock_monotonic_ns() ? -EAGAIN : wait_in_set(set, deadline, &info);
    if (sig < 0)
        return sig;
    if (uinfo) {
        signal_fill_siginfo(&si, sig, &info);
        if (copy_to_user(uinfo, &si, sizeof(si)) < 0)
            return -EFAULT;
    }
    return sig;
}

#define PIDFD_SIGNAL_THREAD        1
#define PIDFD_SIGNAL_THREAD_GROUP  2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

// The signal's scope: the process (the default, THREAD_GROUP), its first
// thread (THREAD), or the process group whose id is its pid (PROCESS_GROUP:
// ESRCH unless it leads one), as Linux 6.9+.
static long
send_scoped(struct proc *p, int pid, int sig, const struct sig_info *si, unsigned int scope)
{
    struct thread *t;

    if (scope == PIDFD_SIGNAL_PROCESS_GROUP)
        return send_many(pid, sig, si);
    if (scope != PIDFD_SIGNAL_THREAD)
        return send_checked(p, sig, si);
    if (!may_signal(p))
        return -EPERM;
    if (!(t = proc_find_thread(p, pid)))
        return -ESRCH;
    return sig && !p->zombie ? signal_send_thread(t, sig, si) : 0;
}

// pidfd_send_signal(2): kill(2) to the process PIDFD names (a zombie takes
// the signal and drops it, as kill's target; a reaped one is ESRCH), or,
// with INFO, rt_sigqueueinfo's rules: si_signo must be SIG, and only the
// caller itself may claim to be the kernel or tkill.
long
sys_pidfd_send_signal(int pidfd, int sig, siginfo_t __user *info, unsigned int flags)
{
    struct sig_info si = sender_info(SI_USER);
    struct file *f = fd_get(pidfd);
    struct proc *p;
    int pid, signo;
    long ret;

    if ((flags & ~(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP)) ||
        (flags & (flags - 1)))
        return -EINVAL;   // one scope at most
    if (!f || (pid = pidfd_pid(f)) < 0)
        return -EBADF;
    if (!(p = proc_find(pid)))
        return -ESRCH;
    if (info) {
        if ((ret = queued_info(info, &si)) < 0)
            return ret;
        if (copy_from_user(&signo, &info->si_signo, sizeof(signo)) < 0 || signo != sig)
            return -EINVAL;
        if (p != current_proc() && (si.code >= 0 || si.code == SI_TKILL))
            return -EPERM;
    }
    if (!sig_valid(sig))
        return -EINVAL;
    return send_scoped(p, pid, sig, &si, flags);
}
