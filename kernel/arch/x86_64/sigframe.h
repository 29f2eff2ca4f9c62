// Linux's x86-64 signal frame (struct rt_sigframe): built on the program's
// stack to run a handler, read back by rt_sigreturn. The signal layer
// (sched/signal.c) decides what to deliver and hands everything the frame
// holds to these calls: nothing here calls back into it.
#pragma once
#include "types.h"

struct trap_frame;
struct siginfo;

// The alternate signal stack (sigaltstack(2)); size 0 means disabled. Each
// thread has one (sched/proc.h); the frame records it and rt_sigreturn
// restores it.
struct sig_altstack {
    uint64_t sp, size;
    uint32_t flags;         // SS_AUTODISARM
};

// Whether SP lies on the alternate stack AS.
static inline bool
sig_altstack_holds(const struct sig_altstack *as, uint64_t sp)
{
    return as->size && sp > as->sp && sp - as->sp <= as->size;
}

// What one handler's frame is built from.
struct sigframe_args {
    int sig;
    uint64_t handler, restorer;     // the sigaction's
    bool onstack;                   // SA_ONSTACK: run on the alternate stack
    uint64_t oldmask;               // restored by rt_sigreturn
    const struct siginfo *info;     // what the handler's siginfo_t says
    uint64_t trapno, err, cr2;      // the exception, for the sigcontext
};

// Build A's frame below F's stack (or on the alternate stack AS) and point F
// at the handler; AS is disarmed when SS_AUTODISARM says so. 0, or -EFAULT
// when the frame cannot be written.
long sigframe_setup(struct trap_frame *f, const struct sigframe_args *a, struct sig_altstack *as);
// Restore F, the FPU state, *MASK and the alternate stack *AS from the frame
// the handler returned through (F's rsp points at its ucontext). 0 or -EFAULT.
long sigframe_restore(struct trap_frame *f, uint64_t *mask, struct sig_altstack *as);
