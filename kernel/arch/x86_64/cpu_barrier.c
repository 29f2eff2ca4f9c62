// Memory barriers on other CPUs, for membarrier(2). As the TLB shootdown
// (tlb.c): each request takes a generation number, the chosen CPUs answer
// with the generation they saw after a full barrier, and the caller waits
// for them. Only CPUs running a program are sent to: one in the kernel
// passes through the kernel lock (a locked instruction, a full barrier)
// before it runs the program again, and the caller holds that lock.
#include "arch/x86_64/cpu_barrier.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "drivers/clock.h"
#include "log.h"
#include "sched/proc.h"

static volatile uint64_t barrier_gen;

__after_boot void
cpu_barrier_ipi(void)
{
    uint64_t gen = __atomic_load_n(&barrier_gen, __ATOMIC_ACQUIRE);

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&this_cpu()->barrier_gen, gen, __ATOMIC_RELEASE);
    lapic_eoi();
}

// Whether C is to be sent to: another CPU whose thread runs a program that
// WANTS chooses. Its current thread and in_user change only under the kernel
// lock, which the caller holds.
static bool
is_target(const struct percpu *c, bool (*wants)(const struct thread *, const void *),
          const void *arg)
{
    if (c == this_cpu() || !c->current || !c->current->in_user)
        return false;
    return !wants || wants(c->current, arg);
}

__after_boot void
cpu_barrier_sync(bool (*wants)(const struct thread *t, const void *arg), const void *arg)
{
    bool sent[MAX_CPUS] = { false };
    uint64_t gen, start;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);   // the caller's own accesses come first
    if (num_cpus == 1)
        return;
    gen = __atomic_add_fetch(&barrier_gen, 1, __ATOMIC_ACQ_REL);
    for (uint32_t i = 0; i < num_cpus; i++)
        if ((sent[i] = is_target(cpus[i], wants, arg)))
            lapic_send_ipi(cpus[i]->lapic_id, IRQ_VEC_BARRIER);
    start = clock_monotonic_ns();
    for (uint32_t i = 0; i < num_cpus; i++) {
        while (sent[i] && __atomic_load_n(&cpus[i]->barrier_gen, __ATOMIC_ACQUIRE) < gen) {
            cpu_relax();
            if (clock_monotonic_ns() - start > 5000000000ull)
                panic("membarrier: CPU %u did not answer within 5 s", i);
        }
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   // and the caller's later ones after theirs
}
