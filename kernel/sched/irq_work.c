// Interrupt work (irq_work.h): the timer runs expired timers and may end a
// time slice, a device's handler runs and waiters re-check, a reschedule
// IPI needs nothing more than the check on the way back to user mode.
#include "sched/irq_work.h"
#include "sched/klock.h"
#include "sched/sched.h"
#include "sched/timer.h"
#include "sched/wait.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/percpu.h"

#define NOTE_BASE 0xc0      // vectors 0xc0..0xff are noted in irq_pending[0..3]

__after_boot void
irq_note(uint8_t vector)
{
    uint8_t v = vector - NOTE_BASE;

    __atomic_fetch_or(&this_cpu()->irq_pending[v / 64], 1ull << (v % 64), __ATOMIC_RELAXED);
}

__after_boot void
irq_handle(uint8_t vector)
{
    if (vector == IRQ_VEC_TIMER) {
        timer_irq();
    } else if (vector >= IRQ_VEC_DEV_FIRST && vector <= IRQ_VEC_DEV_LAST) {
        irq_run_handler(vector);
        wait_poke();
    }
    // IRQ_VEC_RESCHED: a thread was queued here or has a signal. The way
    // back to user mode (or the idle loop) looks at the run queue; the
    // running thread's slice now counts if someone waits.
    if (vector == IRQ_VEC_RESCHED)
        timer_program();
}

__after_boot void
irq_work_run(void)
{
    struct percpu *c = this_cpu();

    for (int w = 0; w < 4; w++) {
        uint64_t bits;
        if (!c->irq_pending[w])
            continue;
        bits = __atomic_exchange_n(&c->irq_pending[w], 0, __ATOMIC_RELAXED);
        while (bits) {
            int b = __builtin_ctzll(bits);
            bits &= bits - 1;
            irq_handle(NOTE_BASE + w * 64 + b);
        }
    }
}
