// Linux's x86-64 signal frame (struct rt_sigframe): built on the program's
// stack to run a handler, read back by rt_sigreturn.
#pragma once
#include "types.h"

struct trap_frame;
struct k_sigaction;
struct sig_info;

// Build SIG's frame for action SA below F's stack (or on the alternate
// stack) and point F at the handler. OLDMASK is restored by rt_sigreturn.
// 0, or -EFAULT when the frame cannot be written.
long sigframe_setup(struct trap_frame *f, int sig, const struct k_sigaction *sa,
                    const struct sig_info *info, uint64_t oldmask);
// Restore F, the FPU state, *MASK and the alternate stack from the frame
// the handler returned through (F's rsp points at its ucontext). 0 or -EFAULT.
long sigframe_restore(struct trap_frame *f, uint64_t *mask);
