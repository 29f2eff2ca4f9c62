// Per-CPU data, reached through %gs in the kernel. The first fields are read
// by the syscall entry at fixed offsets (layout.h). Everything after them is
// the scheduler's and the interrupt code's (sched/sched.c, sched/timer.c).
#pragma once
#include "types.h"
#include "layout.h"

#define MAX_CPUS 64

struct thread;
struct timer;
struct mm;

struct percpu {
    struct percpu *self;        // PERCPU_SELF
    uint64_t kstack_top;        // PERCPU_KSTACK_TOP: current thread's kernel stack
    uint64_t user_rsp;          // PERCPU_USER_RSP: scratch during syscall entry
    struct thread *current;
    uint32_t cpu_id;            // 0 for the boot CPU, in the order the MADT lists them
    uint32_t lapic_id;
    struct thread *idle;        // runs when nothing else can; made at the first block
    struct thread *reap;        // a dead thread to free once switched away from
    struct mm *active_mm;       // whose page table CR3 holds (the idle thread keeps the last one)
    uint64_t *pml4;             // that page table's PML4
    // Protected by the kernel lock:
    struct thread *rq_head, *rq_tail;   // runnable threads waiting for this CPU
    uint32_t nr_queued;
    bool need_resched;          // switch at the next return to user mode
    bool idling;                // halted in the idle loop: wake it with an IPI
    struct timer *timers;       // this CPU's armed timers, soonest first
    uint64_t armed_deadline;    // what the local APIC timer is set for, UINT64_MAX: stopped
    uint64_t slice_end;         // monotonic ns when current's time slice ends
    // Written by interrupts taken in kernel mode (idle, waiting for the
    // kernel lock), where no lock can be taken; read under the kernel lock.
    volatile uint64_t irq_pending[4];   // vectors 0xc0..0xff that came, to act on
    volatile uint64_t tlb_flushed_gen;  // the TLB generation this CPU has flushed to
    volatile uint64_t barrier_gen;      // the membarrier generation this CPU has answered
    void *tss;                  // its own TSS (rsp0, IST)
    uint64_t *gdt;
};

_Static_assert(__builtin_offsetof(struct percpu, kstack_top) == PERCPU_KSTACK_TOP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "entry.S");

extern struct percpu boot_cpu;
extern struct percpu *cpus[MAX_CPUS];   // by cpu_id; NULL past the last started CPU
extern uint32_t num_cpus;               // CPUs started (1 until the first clone)

static inline struct percpu *
this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}
