// The codes a syscall returns when a signal interrupted it, which never
// reach the program: signal delivery turns each into EINTR or a restart
// (kernel/sched/signal.c), as Linux's include/linux/errno.h defines them.
#pragma once
#include "arch/x86_64/trap.h"

#define ERESTARTSYS           512   // restart if the handler has SA_RESTART, else EINTR
#define ERESTARTNOINTR        513   // always restart
#define ERESTARTNOHAND        514   // restart only if no handler runs
#define ERESTART_RESTARTBLOCK 516   // restart through restart_syscall(2) (nanosleep)

// Make F's syscall run again: the number back in rax, rip back on the
// two-byte syscall instruction.
static inline void
restart_syscall(struct trap_frame *f)
{
    f->rax = f->error;
    f->rip -= 2;
}
