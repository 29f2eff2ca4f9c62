// What an interrupt makes the kernel do, and when. Taken from user mode, the
// work runs at once under the kernel lock; taken while the CPU did not hold
// the lock (halted idle, or spinning for it), the vector is only noted and
// the work runs as soon as the lock is held (klock_acquire, the idle loop).
#pragma once
#include "types.h"

void irq_note(uint8_t vector);      // lock-free: remember VECTOR for this CPU
void irq_work_run(void);            // caller holds the kernel lock: act on what was noted
void irq_handle(uint8_t vector);    // caller holds the kernel lock: act on VECTOR now
