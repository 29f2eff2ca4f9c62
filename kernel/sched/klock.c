// The kernel lock (klock.h). Spinning opens interrupts between attempts so
// that a CPU waiting for the lock still answers TLB shootdowns and wake-ups;
// the interrupt code knows not to take the lock then (arch/x86_64/trap.c).
// A waiter that has spun for long halts until the holder lets go: when the
// host runs more vCPUs than it has free cores, the holder's vCPU may not be
// running at all, and a spinning waiter would take the core it needs
// (thread create+join on two vCPUs fell from thousands a second to 30).
#include "sched/klock.h"
#include "sched/spinlock.h"
#include "sched/irq_work.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/apic.h"

static struct spinlock kernel_lock;
static volatile int owner = -1;
static uint64_t halted_waiters;         // CPUs halted in klock_acquire, by cpu_id

#define SPINS_BEFORE_HALT 1024          // about 100 us under TCG

// Halt until an interrupt, unless the lock is free by the time this CPU is
// listed: then the releaser, which looks at the list after letting go,
// either is seen to have let go or sees this CPU and sends IRQ_VEC_WAKE.
static void
halt_for_lock(void)
{
    uint64_t me = 1ull << this_cpu()->cpu_id;

    __atomic_fetch_or(&halted_waiters, me, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&kernel_lock.locked, __ATOMIC_SEQ_CST))
        __asm__ volatile("sti; hlt; cli" ::
                             : "memory");    // an interrupt in sti's shadow still ends hlt
    __atomic_fetch_and(&halted_waiters, ~me, __ATOMIC_SEQ_CST);
}

void
klock_acquire(void)
{
    // A TLB shootdown cannot wait for this CPU's interrupts: TCG may chain
    // the blocks after sti's shadow without ever looking for one (seen: a
    // shootdown and a timer interrupt both left pending for good), so the
    // spinner answers shootdowns itself. Interrupts still get a window.
    for (unsigned spins = 0; !spin_trylock(&kernel_lock); spins++) {
        tlb_catch_up();
        if (spins >= SPINS_BEFORE_HALT) {
            halt_for_lock();
            continue;
        }
        __asm__ volatile("sti; nop; cli; pause" ::: "memory");
    }
    owner = this_cpu()->cpu_id;
    tlb_catch_up();
    irq_work_run();
}

void
klock_release(void)
{
    uint64_t waiters;

    owner = -1;
    spin_unlock(&kernel_lock);
    // The store above before the load below (x86 may reorder a store after a later load).
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ((waiters = __atomic_load_n(&halted_waiters, __ATOMIC_RELAXED)))
        lapic_send_ipi(cpus[__builtin_ctzll(waiters)]->lapic_id, IRQ_VEC_WAKE);
}

bool
klock_held(void)
{
    return owner == (int)this_cpu()->cpu_id;
}
