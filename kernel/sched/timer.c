// Timers (timer.h). One sorted list per CPU; a timer is added on the CPU
// that arms it and may be cancelled from any CPU (under the kernel lock). A
// CPU whose list lost its head to another CPU's cancel may get an interrupt
// for nothing: it finds nothing due and re-arms.
#include "sched/timer.h"
#include "sched/sched.h"
#include "sched/klock.h"
#include "sched/ptimer.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/percpu.h"
#include "drivers/clock.h"
#include "log.h"

// Never arm the local APIC further ahead than this: it keeps the tick
// arithmetic far from overflow; a longer wait is re-armed when it fires.
#define MAX_ARM_NS (3600 * 1000000000ull)

__after_boot void
timer_cancel(struct timer *t)
{
    struct timer **pp;

    if (t->cpu < 0)
        return;
    for (pp = &cpus[t->cpu]->timers; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->cpu = -1;
}

__after_boot void
timer_add(struct timer *t, uint64_t deadline)
{
    struct percpu *c = this_cpu();
    struct timer **pp;

    timer_cancel(t);
    t->deadline = deadline;
    t->cpu = c->cpu_id;
    for (pp = &c->timers; *pp && (*pp)->deadline <= deadline; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    if (c->timers == t)
        timer_program();
}

// The earliest of this CPU's timers and, when another thread waits for the
// CPU, the end of the running one's slice.
__after_boot void
timer_program(void)
{
    struct percpu *c = this_cpu();
    uint64_t when = c->timers ? c->timers->deadline : UINT64_MAX;

    irq_init();     // the local APIC is set up at its first use, not at boot
    if (c->nr_queued && c->current != c->idle && c->slice_end < when)
        when = c->slice_end;
    if (c->current->proc)
        when = MIN(when, itimer_cpu_deadline(c->current));
    // Only ever bring the interrupt forward: one armed for earlier than
    // needed fires for nothing and timer_irq() re-arms. Every write of the
    // timer costs QEMU a wake-up of its main loop (a futex ping-pong
    // re-armed it at each switch: a quarter of the host's time).
    if (when >= c->armed_deadline)
        return;
    c->armed_deadline = when;
    uint64_t now = clock_monotonic_ns();
    lapic_timer_arm(when - now > MAX_ARM_NS && when > now ? now + MAX_ARM_NS : when);
}

__after_boot void
timer_irq(void)
{
    struct percpu *c = this_cpu();
    uint64_t now = clock_monotonic_ns();

    c->armed_deadline = UINT64_MAX;     // it fired: nothing is armed now
    while (c->timers && c->timers->deadline <= now) {
        struct timer *t = c->timers;
        c->timers = t->next;
        t->cpu = -1;
        t->fn(t);
    }
    sched_tick(now);
    timer_program();
}
