// The one way the kernel waits: check the condition, arm the local APIC timer
// for the deadline, halt with interrupts on, and check again on every wake-up.
// The kernel otherwise runs with IF clear; `sti; hlt` opens the window only
// across the halt (sti takes effect after the next instruction), so an
// interrupt that comes after the last check still ends the halt. Which
// interrupt woke us does not matter: a spurious or unrelated one costs one
// more check. Device interrupts (COM3's input) are unmasked by the driver
// whose condition needs them, before it first reports "not ready".
#include "sched/wait.h"
#include "arch/x86_64/apic.h"
#include "drivers/clock.h"

// Never arm the timer further ahead than this: it keeps the tick arithmetic
// far from overflow, and a longer wait is re-armed when it wakes.
#define MAX_ARM_NS (3600 * 1000000000ull)

__after_boot bool
wait_until(uint64_t deadline, bool (*ready)(void *), void *arg)
{
    bool ok;

    irq_init();
    for (;;) {
        uint64_t now;
        if (ready && ready(arg)) {
            ok = true;
            break;
        }
        now = clock_monotonic_ns();
        if (now >= deadline) {
            ok = false;
            break;
        }
        if (deadline != WAIT_FOREVER)
            lapic_timer_arm(deadline - now > MAX_ARM_NS ? now + MAX_ARM_NS : deadline);
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    if (deadline != WAIT_FOREVER)
        lapic_timer_stop();
    return ok;
}

// With one thread no other wait can be pending while this one runs.
__after_boot void
wait_poke(void)
{
}
