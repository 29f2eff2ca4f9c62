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
    // A TLB shootdown cannot wait for this CPU's interrupts: TCG may chain
    // the blocks after sti's shadow without ever looking for one (seen: a
    // shootdown and a timer interrupt both left pending for good), so the
    // spinner answers shootdowns itself. Interrupts still get a window.
    while (!spin_trylock(&kernel_lock)) {
        tlb_catch_up();
        __asm__ volatile("sti; nop; cli; pause" ::: "memory");
    }
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
