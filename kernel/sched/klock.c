// The kernel lock (klock.h). Spinning opens interrupts between attempts so
// that a CPU waiting for the lock still answers TLB shootdowns and wake-ups;
// the interrupt code knows not to take the lock then (arch/x86_64/trap.c).
#include "sched/klock.h"
#include "sched/spinlock.h"
#include "sched/irq_work.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tlb.h"

static struct spinlock kernel_lock;
static volatile int owner = -1;

void
klock_acquire(void)
{
    // The jump ends a translation block under TCG, which checks for
    // interrupts only where a block starts: "sti; pause; cli" would run as
    // one block after sti's one-instruction shadow and never let one in.
    while (!spin_trylock(&kernel_lock))
        __asm__ volatile("sti; pause; jmp 1f; 1: cli" ::: "memory");
    owner = this_cpu()->cpu_id;
    tlb_catch_up();
    irq_work_run();
}

void
klock_release(void)
{
    owner = -1;
    spin_unlock(&kernel_lock);
}

bool
klock_held(void)
{
    return owner == (int)this_cpu()->cpu_id;
}
