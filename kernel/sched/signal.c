// Signal state and default actions. Actions set with rt_sigaction are
// recorded; a handler is not yet run (no signal frames yet): such a signal
// gets its default action and one log line. SIGKILL and SIGSTOP cannot be
// caught or blocked, as on Linux.
#include "sched/signal.h"
#include "sched/proc.h"
#include "arch/x86_64/trap.h"
#include "log.h"
#include <asm/signal.h>

enum sig_default { SIG_TERM, SIG_CORE, SIG_IGNORE, SIG_STOP, SIG_CONT };

static enum sig_default
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

void
signal_send(int sig)
{
    current_proc()->sig_pending |= SIGBIT(sig);
}

// Take SIG's action now: the default, as handlers are not run yet.
static void
act(int sig)
{
    struct k_sigaction *sa = &current_proc()->sigactions[sig];
    enum sig_default d = default_action(sig);

    if (sa->handler == (uint64_t)SIG_IGN && sig != SIGKILL && sig != SIGSTOP)
        return;
    if (sa->handler != (uint64_t)SIG_DFL && sig != SIGKILL && sig != SIGSTOP)
        klog("signal %d: handler at %p not run (signal frames not implemented); default action", sig,
             (void *)sa->handler);
    if (d == SIG_TERM || d == SIG_CORE)
        proc_killed(sig);
    // LINUX-DIFF: stop and continue do nothing: there is no job control in a single-program VM.
}

void
signal_deliver(struct trap_frame *f)
{
    struct proc *p = current_proc();
    uint64_t ready = p->sig_pending & ~(current_thread()->sig_blocked & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP)));

    while (ready) {
        int sig = __builtin_ctzll(ready) + 1;
        p->sig_pending &= ~SIGBIT(sig);
        ready &= ~SIGBIT(sig);
        act(sig);
    }
}

void
signal_force(struct trap_frame *f, int sig, uint64_t addr)
{
    struct k_sigaction *sa = &current_proc()->sigactions[sig];

    // A fault with a handler would rerun the faulting instruction forever
    // without signal frames; Linux also resets a blocked or ignored faulting signal.
    klog("fatal signal %d at rip %p, address %p", sig, (void *)f->rip, (void *)addr);
    if (sa->handler != (uint64_t)SIG_DFL)
        klog("signal %d: handler at %p not run (signal frames not implemented)", sig, (void *)sa->handler);
    proc_killed(sig);
}
