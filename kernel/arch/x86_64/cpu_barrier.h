// Full memory barriers run on other CPUs (membarrier(2)): an IPI to each
// chosen CPU that runs a program, answered once the barrier is done.
#pragma once
#include "types.h"

struct thread;

// Make every other CPU whose current thread runs in user mode and passes
// WANTS(thread, ARG) (NULL: all of them) execute a full memory barrier, and
// wait until each has. The interrupt's delivery and its iretq serialize the
// core as well (MEMBARRIER_*_SYNC_CORE). Caller holds the kernel lock.
void cpu_barrier_sync(bool (*wants)(const struct thread *t, const void *arg), const void *arg);
void cpu_barrier_ipi(void);   // the IPI's handler, any context, lock-free
