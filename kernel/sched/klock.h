// The kernel lock: one lock over all kernel state, held by whichever CPU
// runs kernel code on behalf of a thread. Taken on every entry from user
// mode (syscall, exception, interrupt) and let go on the way back; a thread
// that blocks hands it to the next thread on its CPU (sched.c). Interrupts
// that arrive while a CPU does not hold it (halted in the idle loop, or
// spinning for it) do only lock-free work: acknowledge, flush the TLB, and
// note the vector for later (irq.c). docs/kernel.md, "Locking", says more.
#pragma once
#include "types.h"

void klock_acquire(void);       // spins with interrupts open, then runs noted interrupt work
void klock_release(void);
bool klock_held(void);          // by this CPU
