// Signal state, default actions and delivery. A signal with a handler gets
// a Linux rt_sigframe on the program's stack (arch/x86_64/sigframe.c) on the
// way back to ring 3. SIGKILL and SIGSTOP cannot be caught or blocked, as on
// Linux. Standard signals pend once; real-time ones (32 and up) queue every
// instance with its info. A process-directed signal is taken by the first
// thread that does not block it, which is woken or interrupted to take it.
// A syscall interrupted by a signal (-ERESTART* from the call) returns EINTR
// or restarts as Linux decides (SA_RESTART, whether a handler runs).
#include "sched/signal.h"
#include "sched/proc.h"
#include "sched/sched.h"
#include "sched/wait.h"
#include "sched/ptimer.h"
#include "sched/process.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/sigframe.h"
#include "mm/heap.h"
#include "log.h"
#include "lib/string.h"
#include "syscalls/restart.h"
#include <asm/signal.h>
#include <asm/unistd.h>
#include <asm-generic/errno.h>
#include <asm-generic/resource.h>
#include <asm-generic/siginfo.h>

#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

enum sig_default { SIG_TERM, SIG_CORE, SIG_IGNORE, SIG_STOP, SIG_CONT };

__after_boot static enum sig_default
default_action(int sig)
{
    switch (sig) {
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS: return SIG_CORE;
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH: return SIG_IGNORE;
    case SIGCONT: return SIG_CONT;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU: return SIG_STOP;
    default: return SIG_TERM;
    }
}

// Which union member si_code selects (man 2 sigaction, "The siginfo_t argument").
__after_boot void
signal_fill_siginfo(siginfo_t *i, int sig, const struct sig_info *si)
{
    memset(i, 0, sizeof(*i));
    i->si_signo = sig;
    i->si_code = si->code;
    if (si->code > 0 && si->code != SI_KERNEL &&
        (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP)) {
        i->si_addr = (void *)si->addr;
        return;
    }
    if (si->code == SI_TIMER) {
        i->si_tid = si->timerid;
        i->si_overrun = si->overrun;
        i->si_value.sival_ptr = (void *)si->value;
        return;
    }
    i->si_pid = si->pid;
    i->si_uid = si->uid;
    if (si->code == SI_QUEUE || si->code == SI_MESGQ || si->code == SI_ASYNCIO)
        i->si_value.sival_ptr = (void *)si->value;
    else if (sig == SIGCHLD && si->code > 0)
        i->si_status = si->status;
}

__after_boot struct sig_altstack *
signal_altstack(void)
{
    return &current_thread()->altstack;
}

__after_boot bool
signal_on_altstack(uint64_t sp)
{
    return sig_altstack_holds(signal_altstack(), sp);
}

__after_boot bool
signal_ignored(struct proc *p, int sig)
{
    uint64_t h = p->sigactions[sig].handler;

    // LINUX-DIFF: the first program ignores stop signals it has no handler
    // for, SIGSTOP too: nothing could continue the VM's program.
    if (default_action(sig) == SIG_STOP && p == proc_first())
        return h == (uint64_t)SIG_IGN || h == (uint64_t)SIG_DFL;
    return h == (uint64_t)SIG_IGN ||
           (h == (uint64_t)SIG_DFL &&
            (default_action(sig) == SIG_IGNORE || default_action(sig) == SIG_CONT));
}

__after_boot uint64_t
signal_pending_set(struct thread *t)
{
    return t->pending.set | t->proc->shared_pending.set;
}

__after_boot bool
signal_pending(struct thread *t)
{
    return (signal_pending_set(t) & ~t->sig_blocked) != 0;
}

// Queue SIG on P. A standard signal already pending is not queued again; a
// real-time one past RLIMIT_SIGPENDING is refused (-EAGAIN).
__after_boot static long
enqueue(struct proc *proc, struct sigpending *p, int sig, const struct sig_info *info)
{
    struct sigqueue *q, **pp;
    int n = 0;

    if (sig < SIGRTMIN_K && (p->set & SIGBIT(sig)))
        return 0;
    for (pp = &p->head; *pp; pp = &(*pp)->next)
        n++;
    if (sig >= SIGRTMIN_K && (uint64_t)n >= proc->rlimits[RLIMIT_SIGPENDING].cur)
        return -EAGAIN;
    if (!(q = kmalloc(sizeof(*q))))
        return sig >= SIGRTMIN_K ? -EAGAIN : (p->set |= SIGBIT(sig), 0); // pends without its info
    *q = (struct sigqueue){ .next = NULL, .sig = sig, .info = *info };
    *pp = q;
    p->set |= SIGBIT(sig);
    wait_poke(); // signalfd readers and pollers look again
    return 0;
}

// Take SIG's first instance off P; its info, or SI_KERNEL's when it had none.
__after_boot static void
dequeue_one(struct sigpending *p, int sig, struct sig_info *info)
{
    struct sigqueue **pp, *found = NULL;
    bool more = false;

    for (pp = &p->head; *pp;) {
        if ((*pp)->sig != sig) {
            pp = &(*pp)->next;
        } else if (!found) {
            found = *pp;
            *pp = found->next;
        } else {
            more = true;
            break;
        }
    }
    if (!more)
        p->set &= ~SIGBIT(sig);
    *info = found ? found->info : (struct sig_info){ .code = SI_KERNEL };
    kfree(found);
    if (info->code == SI_TIMER)
        info->overrun = posix_timer_delivered(current_proc(), info->timerid);
}

__after_boot int
signal_dequeue(struct thread *t, uint64_t set, struct sig_info *info)
{
    uint64_t mine = t->pending.set & set, shared = t->proc->shared_pending.set & set;
    int sig;

    if (mine) {
        sig = __builtin_ctzll(mine) + 1;
        dequeue_one(&t->pending, sig, info);
        return sig;
    }
    if (shared) {
        sig = __builtin_ctzll(shared) + 1;
        dequeue_one(&t->proc->shared_pending, sig, info);
        return sig;
    }
    return 0;
}

__after_boot void
signal_flush(struct sigpending *p)
{
    while (p->head) {
        struct sigqueue *q = p->head;
        p->head = q->next;
        kfree(q);
    }
    p->set = 0;
}

#define STOP_SIGNALS (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

// Take SET's signals off every queue of P.
__after_boot static void
discard(struct proc *p, uint64_t set)
{
    struct sig_info info;

    while (p->shared_pending.set & set)
        dequeue_one(&p->shared_pending, __builtin_ctzll(p->shared_pending.set & set) + 1, &info);
    for (struct thread *t = p->threads; t; t = t->proc_next)
        while (t->pending.set & set)
            dequeue_one(&t->pending, __builtin_ctzll(t->pending.set & set) + 1, &info);
}

// What sending SIG does before it is queued, as Linux's prepare_signal: a
// stop signal cancels a pending SIGCONT, SIGCONT cancels pending stops and
// continues a stopped process (handled or not), SIGKILL continues it to die.
__after_boot static void
prepare(struct proc *p, int sig)
{
    if (SIGBIT(sig) & STOP_SIGNALS)
        discard(p, SIGBIT(SIGCONT));
    if (sig == SIGCONT)
        discard(p, STOP_SIGNALS);
    if ((sig == SIGCONT || sig == SIGKILL) && p->stopped)
        proc_continue(p, sig == SIGCONT);
}

__after_boot long
signal_send_thread(struct thread *t, int sig, const struct sig_info *info)
{
    long ret;

    prepare(t->proc, sig);
    if (signal_ignored(t->proc, sig) && !(t->sig_blocked & SIGBIT(sig)))
        return 0;
    if ((ret = enqueue(t->proc, &t->pending, sig, info)) < 0)
        return ret;
    if (!(t->sig_blocked & SIGBIT(sig)))
        sched_kick(t);
    return 0;
}

// The thread to take a process-directed SIG: the running one if it can,
// else the first that does not block it; NULL when all block it.
__after_boot static struct thread *
pick_taker(struct proc *p, int sig)
{
    struct thread *cur = current_thread();

    if (cur->proc == p && !(cur->sig_blocked & SIGBIT(sig)))
        return cur;
    for (struct thread *t = p->threads; t; t = t->proc_next)
        if (!(t->sig_blocked & SIGBIT(sig)))
            return t;
    return NULL;
}

__after_boot long
signal_send_proc(struct proc *p, int sig, const struct sig_info *info)
{
    struct thread *t = pick_taker(p, sig);
    long ret;

    prepare(p, sig);
    if (signal_ignored(p, sig) && t)
        return 0; // dropped at once, unless every thread blocks it
    if ((ret = enqueue(p, &p->shared_pending, sig, info)) < 0)
        return ret;
    if (t)
        sched_kick(t);
    return 0;
}

// Every process of group PGID (a terminal's signals, kill(-pgid) keeps its
// own permission checks): success if any took it.
__after_boot long
signal_send_pgrp(int pgid, int sig, const struct sig_info *info)
{
    long ret = -ESRCH;

    for (struct proc *p = proc_first(); p; p = p->all_next)
        if (p->pgid == pgid && !p->zombie && !p->exiting && signal_send_proc(p, sig, info) == 0)
            ret = 0;
    return ret;
}

__after_boot void
signal_send_info(int sig, const struct sig_info *info)
{
    signal_send_proc(current_proc(), sig, info);
}

__after_boot void
signal_send(int sig)
{
    struct sig_info info = { .code = SI_KERNEL };

    signal_send_info(sig, &info);
}

// Make SIG deliverable to the current thread whatever the program did: a
// blocked or ignored one gets its default action back, as Linux does for faults.
__after_boot static void
force_sig(int sig, const struct sig_info *info)
{
    struct thread *t = current_thread();
    struct k_sigaction *sa = &current_proc()->sigactions[sig];
    struct sig_info old;

    if ((t->sig_blocked & SIGBIT(sig)) || sa->handler == (uint64_t)SIG_IGN) {
        sa->handler = (uint64_t)SIG_DFL;
        t->sig_blocked &= ~SIGBIT(sig);
    }
    if (t->pending.set & SIGBIT(sig))
        dequeue_one(&t->pending, sig, &old); // the fault's own info wins
    enqueue(t->proc, &t->pending, sig, info);
}

__after_boot void
signal_bad_frame(void)
{
    struct sig_info info = { .code = SI_KERNEL };

    force_sig(SIGSEGV, &info);
}

__after_boot void
signal_force(struct trap_frame *f, int sig, const struct sig_info *info)
{
    force_sig(sig, info);
    if (current_proc()->sigactions[sig].handler == (uint64_t)SIG_DFL)
        klog("fatal signal %d at rip %p, address %p", sig, (void *)f->rip, (void *)info->addr);
}

// An interrupted syscall, before its signal's handler runs: EINTR, or
// restarted for SA_RESTART (Linux's rules for each -ERESTART* code).
__after_boot static void
syscall_before_handler(struct trap_frame *f, const struct k_sigaction *sa)
{
    if (f->vector != TRAP_SYSCALL)
        return;
    f->vector = TRAP_SYSCALL_DONE;
    switch ((long)f->rax) {
    case -ERESTARTSYS:
        if (sa->flags & SA_RESTART) {
            restart_syscall(f);
            return;
        }
        f->rax = -EINTR;
        return;
    case -ERESTARTNOHAND:
    case -ERESTART_RESTARTBLOCK: f->rax = -EINTR; return;
    case -ERESTARTNOINTR: restart_syscall(f); return;
    }
}

// No handler ran: every -ERESTART* code restarts, nanosleep's kind through
// restart_syscall(2) with what remains.
__after_boot static void
syscall_without_handler(struct trap_frame *f)
{
    if (f->vector != TRAP_SYSCALL)
        return;
    f->vector = TRAP_SYSCALL_DONE;
    switch ((long)f->rax) {
    case -ERESTARTSYS:
    case -ERESTARTNOHAND:
    case -ERESTARTNOINTR: restart_syscall(f); return;
    case -ERESTART_RESTARTBLOCK:
        f->error = __NR_restart_syscall;
        restart_syscall(f);
        return;
    }
}

// Run SIG's handler: its frame, then the mask it runs under. A frame that
// cannot be written gives SIGSEGV (fatal if that was SIGSEGV's own frame).
__after_boot static void
run_handler(struct trap_frame *f, int sig, const struct sig_info *info)
{
    struct thread *t = current_thread();
    struct k_sigaction *sa = &current_proc()->sigactions[sig];
    siginfo_t si;
    struct sigframe_args a = {
        .sig = sig,
        .handler = sa->handler,
        .restorer = sa->restorer,
        .onstack = sa->flags & SA_ONSTACK,
        .info = &si,
        .trapno = info->trapno,
        .err = info->err,
        .cr2 = info->cr2,
        .oldmask = t->restore_sigmask ? t->saved_sigmask : t->sig_blocked,
    };

    syscall_before_handler(f, sa);
    signal_fill_siginfo(&si, sig, info);
    if (!(sa->flags & SA_RESTORER) || sigframe_setup(f, &a, &t->altstack) < 0) {
        klog("signal %d: cannot build the frame for the handler at %p (rsp %p)", sig,
             (void *)sa->handler, (void *)f->rsp);
        if (sig == SIGSEGV)
            proc_killed(SIGSEGV);
        signal_bad_frame();
        return;
    }
    t->restore_sigmask = false;
    t->sig_blocked |= sa->mask | (sa->flags & SA_NODEFER ? 0 : SIGBIT(sig));
    t->sig_blocked &= ~UNBLOCKABLE;
    if (sa->flags & SA_RESETHAND)
        sa->handler = (uint64_t)SIG_DFL;
}

// Take SIG's action now.
__after_boot static void
act(struct trap_frame *f, int sig, const struct sig_info *info)
{
    struct k_sigaction *sa = &current_proc()->sigactions[sig];
    enum sig_default d = default_action(sig);

    if (sig != SIGKILL && sig != SIGSTOP) {
        if (sa->handler == (uint64_t)SIG_IGN)
            return;
        if (sa->handler != (uint64_t)SIG_DFL) {
            run_handler(f, sig, info);
            return;
        }
    }
    if (d == SIG_TERM || d == SIG_CORE)
        proc_killed(sig);
    // POSIX: the job-control stops do nothing to an orphaned group, which
    // nobody could continue; SIGSTOP still stops.
    if (d == SIG_STOP && (sig == SIGSTOP || !pgrp_is_orphaned(current_proc()->pgid)))
        proc_stop(current_proc(), sig); // the threads park on their way out (sched.c)
}

// Each handler's frame goes on top of the previous one, so the last signal
// taken runs first, as on Linux.
__after_boot void
signal_deliver(struct trap_frame *f)
{
    struct thread *t = current_thread();

    for (;;) {
        struct sig_info info;
        int sig = signal_dequeue(t, ~(t->sig_blocked & ~UNBLOCKABLE), &info);

        if (!sig)
            break;
        act(f, sig, &info);
        if (t->proc->stopped)
            return; // the rest waits for SIGCONT, the syscall's restart too
    }
    syscall_without_handler(f);
    if (t->restore_sigmask) {
        t->sig_blocked = t->saved_sigmask;
        t->restore_sigmask = false;
    }
}

// ppoll, pselect6 (and epoll_pwait): MASK while the call waits. After it,
// the old mask comes back at once, or, when a signal interrupted the wait,
// once that signal's handler frame has saved it (signal_deliver).
__after_boot void
signal_mask_for_call(uint64_t mask)
{
    struct thread *t = current_thread();

    t->saved_sigmask = t->sig_blocked;
    t->restore_sigmask = true;
    t->sig_blocked = mask & ~UNBLOCKABLE;
}

__after_boot void
signal_mask_after_call(bool interrupted)
{
    struct thread *t = current_thread();

    if (interrupted || !t->restore_sigmask)
        return;
    t->sig_blocked = t->saved_sigmask;
    t->restore_sigmask = false;
}
