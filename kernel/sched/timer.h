// Kernel timers: call a function at a monotonic time. Each CPU keeps its own
// list, soonest first, and sets its local APIC timer for the head (or for
// the end of the running thread's time slice, if sooner and someone waits).
// Nothing ticks: a CPU with no timer and one thread to run gets no interrupt.
// All of it under the kernel lock.
#pragma once
#include "types.h"

struct timer {
    uint64_t deadline;              // clock_monotonic_ns()
    void (*fn)(struct timer *t); // called under the kernel lock, the timer already off its list
    void *arg;
    struct timer *next;
    int cpu; // whose list it is on, -1 when not armed
};

#define TIMER_INIT(f, a) { .fn = (f), .arg = (a), .cpu = -1 }

void timer_add(struct timer *t, uint64_t deadline); // on this CPU; re-arms if already armed
void timer_cancel(struct timer *t); // harmless when not armed
static inline bool
timer_armed(const struct timer *t)
{
    return t->cpu >= 0;
}
void timer_irq(void); // the local APIC timer fired on this CPU
void timer_program(void); // set this CPU's local APIC timer for what it waits for next
