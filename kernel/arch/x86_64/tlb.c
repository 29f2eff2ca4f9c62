// TLB shootdown (tlb.h). Each shootdown takes a new generation number;
// every other CPU running a program flushes and records the generation it
// flushed for, and the caller waits until all have. A CPU can always
// answer: it runs with interrupts on in user mode, while halted and while
// spinning for the kernel lock, and the lock's holder is the caller. A CPU
// that takes the lock flushes first if it missed a generation
// (tlb_catch_up), which costs nothing when it did not: so a CPU in the
// kernel (idle, or waiting for the lock) is neither sent nor waited for;
// it touches no user page before it holds the lock.
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "drivers/clock.h"
#include "log.h"
#include "sched/proc.h"

static volatile uint64_t tlb_gen;

__after_boot static void
flush_to(uint64_t gen)
{
    write_cr3(read_cr3());
    __atomic_store_n(&this_cpu()->tlb_flushed_gen, gen, __ATOMIC_RELEASE);
}

__after_boot void
tlb_ipi(void)
{
    uint64_t gen = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);

    flush_to(gen);
    lapic_eoi();
}

__after_boot void
tlb_catch_up(void)
{
    uint64_t gen = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);

    if (this_cpu()->tlb_flushed_gen != gen)
        flush_to(gen);
}

// Must C flush now? Only when it runs a program (a CPU still starting has no
// thread yet). Another CPU's current thread and its in_user change only
// under the kernel lock, which the caller holds.
__after_boot static bool
runs_user(const struct percpu *c, const struct percpu *me)
{
    return c != me && c->current && c->current->in_user;
}

__after_boot void
tlb_shootdown(void)
{
    struct percpu *me = this_cpu();
    uint64_t gen, start;

    if (num_cpus == 1)
        return;
    gen = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_ACQ_REL);
    me->tlb_flushed_gen = gen;      // the caller flushed its own entries
    for (uint32_t i = 0; i < num_cpus; i++)
        if (runs_user(cpus[i], me))
            lapic_send_ipi(cpus[i]->lapic_id, IRQ_VEC_TLB);
    start = clock_monotonic_ns();
    for (uint32_t i = 0; i < num_cpus; i++) {
        if (!runs_user(cpus[i], me))
            continue;
        while (__atomic_load_n(&cpus[i]->tlb_flushed_gen, __ATOMIC_ACQUIRE) < gen) {
            cpu_relax();
            if (clock_monotonic_ns() - start > 5000000000ull)
                panic("tlb: CPU %u did not flush within 5 s", i);
        }
    }
}
