// Per-CPU data, reached through %gs in the kernel. The first fields are read
// by the syscall entry at fixed offsets (layout.h).
#pragma once
#include "types.h"
#include "layout.h"

struct thread;

struct percpu {
    struct percpu *self;        // PERCPU_SELF
    uint64_t kstack_top;        // PERCPU_KSTACK_TOP: current thread's kernel stack
    uint64_t user_rsp;          // PERCPU_USER_RSP: scratch during syscall entry
    struct thread *current;
    uint32_t cpu_id;
};

_Static_assert(__builtin_offsetof(struct percpu, kstack_top) == PERCPU_KSTACK_TOP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "entry.S");

extern struct percpu boot_cpu;

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}
