// Signal syscalls: actions, masks, the alternate stack, sending to ourselves
// and returning from a handler (rt_sigreturn).
#include "types.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "mm/uaccess.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/sigframe.h"
#include "log.h"
#include <asm-generic/siginfo.h>
#include <asm-generic/errno.h>
#include <linux/signal.h>

#define SIGSET_SIZE 8
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SA_VALID (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | \
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
    uint64_t pending = current_proc()->sig_pending & current_thread()->sig_blocked;

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
    stack_t new, old = { .ss_sp = (void *)as->sp, .ss_size = as->size,
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
            *as = (struct sig_altstack){ (uint64_t)new.ss_sp, new.ss_size, new.ss_flags & SS_AUTODISARM };
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

    if (sigframe_restore(f, &mask) < 0) {
        klog("rt_sigreturn: bad frame at %p; SIGSEGV", (void *)f->rsp);
        signal_bad_frame();
        return f->rax;
    }
    current_thread()->sig_blocked = mask & ~UNBLOCKABLE;
    return f->rax;
}

__after_boot static long
send_to_self(int sig, int code)
{
    struct sig_info info = { .code = code, .pid = current_proc()->pid, .uid = current_proc()->creds.ruid };

    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (sig)
        signal_send_info(sig, &info);
    return 0;
}

__after_boot long
sys_kill(int pid, int sig)
{
    int self = current_proc()->pid;

    if (pid != self && pid != 0 && pid != -1 && pid != -self)
        return sig < 0 || sig > NSIG_LINUX ? -EINVAL : -ESRCH;
    return send_to_self(sig, SI_USER);
}

__after_boot long
sys_tgkill(int tgid, int tid, int sig)
{
    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    if (tgid != current_proc()->pid || tid != current_thread()->tid)
        return sig < 0 || sig > NSIG_LINUX ? -EINVAL : -ESRCH;
    return send_to_self(sig, SI_TKILL);
}

__after_boot long
sys_tkill(int tid, int sig)
{
    if (tid <= 0)
        return -EINVAL;
    return sys_tgkill(current_proc()->pid, tid, sig);
}
