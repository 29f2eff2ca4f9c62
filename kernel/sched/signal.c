// Signal state, default actions and delivery. A signal with a handler gets
// a Linux rt_sigframe on the program's stack (arch/x86_64/sigframe.c) on the
// way back to ring 3. SIGKILL and SIGSTOP cannot be caught or blocked, as on
// Linux. One process, one thread: the state not in struct proc is static.
#include "sched/signal.h"
#include "sched/proc.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/sigframe.h"
#include "log.h"
#include <asm/signal.h>
#include <asm-generic/siginfo.h>

#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

enum sig_default { SIG_TERM, SIG_CORE, SIG_IGNORE, SIG_STOP, SIG_CONT };

static struct sig_info pending_info[NSIG_LINUX + 1];   // for the pending signals; .bss, no boot work
static struct sig_altstack altstack;

__after_boot static enum sig_default
default_action(int sig)
{
    switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
        return SIG_CORE;
    case SIGCHLD: case SIGURG: case SIGWINCH:
        return SIG_IGNORE;
    case SIGCONT:
        return SIG_CONT;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return SIG_STOP;
    default:
        return SIG_TERM;
    }
}

__after_boot struct sig_altstack *
signal_altstack(void)
{
    return &altstack;
}

__after_boot bool
signal_on_altstack(uint64_t sp)
{
    return altstack.size && sp > altstack.sp && sp - altstack.sp <= altstack.size;
}

// Standard signals do not queue: a second one while pending keeps the first's info.
__after_boot void
signal_send_info(int sig, const struct sig_info *info)
{
    struct proc *p = current_proc();

    if (!(p->sig_pending & SIGBIT(sig)))
        pending_info[sig] = *info;
    p->sig_pending |= SIGBIT(sig);
}

__after_boot void
signal_send(int sig)
{
    struct sig_info info = { .code = SI_KERNEL };

    signal_send_info(sig, &info);
}

// Make SIG deliverable whatever the program did: a blocked or ignored one
// gets its default action back, as Linux does for faults.
__after_boot static void
force_sig(int sig, const struct sig_info *info)
{
    struct thread *t = current_thread();
    struct k_sigaction *sa = &current_proc()->sigactions[sig];

    if ((t->sig_blocked & SIGBIT(sig)) || sa->handler == (uint64_t)SIG_IGN) {
        sa->handler = (uint64_t)SIG_DFL;
        t->sig_blocked &= ~SIGBIT(sig);
    }
    current_proc()->sig_pending &= ~SIGBIT(sig);
    signal_send_info(sig, info);
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

// Run SIG's handler: its frame, then the mask it runs under. A frame that
// cannot be written gives SIGSEGV (fatal if that was SIGSEGV's own frame).
__after_boot static void
run_handler(struct trap_frame *f, int sig)
{
    struct thread *t = current_thread();
    struct k_sigaction *sa = &current_proc()->sigactions[sig];
    uint64_t old = t->sig_blocked;

    if (!(sa->flags & SA_RESTORER) || sigframe_setup(f, sig, sa, &pending_info[sig], old) < 0) {
        klog("signal %d: cannot build the frame for the handler at %p (rsp %p)", sig,
             (void *)sa->handler, (void *)f->rsp);
        if (sig == SIGSEGV)
            proc_killed(SIGSEGV);
        signal_bad_frame();
        return;
    }
    t->sig_blocked = (old | sa->mask | (sa->flags & SA_NODEFER ? 0 : SIGBIT(sig))) & ~UNBLOCKABLE;
    if (sa->flags & SA_RESETHAND)
        sa->handler = (uint64_t)SIG_DFL;
}

// Take SIG's action now.
__after_boot static void
act(struct trap_frame *f, int sig)
{
    struct k_sigaction *sa = &current_proc()->sigactions[sig];
    enum sig_default d = default_action(sig);

    if (sig != SIGKILL && sig != SIGSTOP) {
        if (sa->handler == (uint64_t)SIG_IGN)
            return;
        if (sa->handler != (uint64_t)SIG_DFL) {
            run_handler(f, sig);
            return;
        }
    }
    if (d == SIG_TERM || d == SIG_CORE)
        proc_killed(sig);
    // LINUX-DIFF: stop and continue do nothing: there is no job control in a single-program VM.
}

// Each handler's frame goes on top of the previous one, so the last signal
// taken runs first, as on Linux.
__after_boot void
signal_deliver(struct trap_frame *f)
{
    struct proc *p = current_proc();

    for (;;) {
        uint64_t ready = p->sig_pending & ~(current_thread()->sig_blocked & ~UNBLOCKABLE);
        int sig;

        if (!ready)
            return;
        sig = __builtin_ctzll(ready) + 1;
        p->sig_pending &= ~SIGBIT(sig);
        act(f, sig);
    }
}
