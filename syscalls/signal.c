// Signal syscalls: record actions and masks, send to ourselves.
#include "types.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>
#include <linux/signal.h>

#define SIGSET_SIZE 8
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SA_VALID (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | \
                  SA_RESETHAND | SA_RESTORER | 0x00000400 /* SA_EXPOSE_TAGBITS */)

long
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

long
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

long
sys_rt_sigpending(uint64_t __user *set, size_t sigsetsize)
{
    uint64_t pending = current_proc()->sig_pending & current_thread()->sig_blocked;

    if (sigsetsize > SIGSET_SIZE)
        return -EINVAL;
    return copy_to_user(set, &pending, sigsetsize);
}

long
sys_sigaltstack(const stack_t __user *ss, stack_t __user *old_ss)
{
    static stack_t current_ss = { .ss_flags = SS_DISABLE };
    stack_t new;

    if (ss && copy_from_user(&new, ss, sizeof(new)) < 0)
        return -EFAULT;
    if (old_ss && copy_to_user(old_ss, &current_ss, sizeof(current_ss)) < 0)
        return -EFAULT;
    if (ss) {
        if (new.ss_flags & ~(SS_DISABLE | SS_ONSTACK | (1u << 31)))
            return -EINVAL;
        if (!(new.ss_flags & SS_DISABLE) && new.ss_size < MINSIGSTKSZ)
            return -ENOMEM;
        current_ss = new;
    }
    return 0;
}

static long
send_to_self(int sig)
{
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (sig)
        signal_send(sig);
    return 0;
}

long
sys_kill(int pid, int sig)
{
    int self = current_proc()->pid;

    if (pid != self && pid != 0 && pid != -1 && pid != -self)
        return sig < 0 || sig > NSIG_LINUX ? -EINVAL : -ESRCH;
    return send_to_self(sig);
}

long
sys_tgkill(int tgid, int tid, int sig)
{
    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    if (tgid != current_proc()->pid || tid != current_thread()->tid)
        return sig < 0 || sig > NSIG_LINUX ? -EINVAL : -ESRCH;
    return send_to_self(sig);
}

long
sys_tkill(int tid, int sig)
{
    if (tid <= 0)
        return -EINVAL;
    return sys_tgkill(current_proc()->pid, tid, sig);
}
