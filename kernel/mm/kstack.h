// Kernel stacks for threads: KSTACK_SIZE bytes each in a region of their own
// with an unmapped guard below every stack, so an overflow faults (and the
// double fault, on its own stack, reports it) instead of writing over
// whatever lies below. Freed stacks are kept, still mapped, for the next
// thread: a mapping that never changes needs no TLB flush on other CPUs.
#pragma once
#include "types.h"

uint64_t kstack_alloc(void);        // the top of a new stack, 0 when out of memory
void kstack_free(uint64_t top);
bool kstack_is_guard(uint64_t addr); // in a guard below a kernel stack (these, or the image's two)
