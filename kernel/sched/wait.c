// Waiting for a condition that has no queue of its own (input on stdin,
// any of poll's descriptors): the thread sleeps on one shared queue and
// checks its condition again whenever anything that might change one
// happens (wait_poke: an interrupt's work, data written to a pipe), or its
// deadline passes. Under the kernel lock the check and the sleep are one
// step, so no poke can fall between them.
#include "sched/wait.h"
#include "sched/waitq.h"
#include "sched/sched.h"
#include "arch/x86_64/apic.h"
#include "drivers/clock.h"
#include <asm-generic/errno.h>

static struct waitq pollers;
static uint64_t pokes;      // wait_poke() calls; protected by the kernel lock

__after_boot long
wait_event(uint64_t deadline, bool (*ready)(void *), void *arg, bool interruptible)
{
    irq_init();
    for (;;) {
        struct waiter w = { 0 };
        enum wake_reason why;

        if (ready && ready(arg))
            return 0;
        why = waitq_sleep(&pollers, &w, deadline, interruptible);
        if (why == WAKE_TIMEOUT)
            return ready && ready(arg) ? 0 : -ETIMEDOUT;
        if (why == WAKE_SIGNAL)
            return -EINTR;
    }
}

__after_boot bool
wait_until(uint64_t deadline, bool (*ready)(void *), void *arg)
{
    return wait_event(deadline, ready, arg, false) == 0;
}

__after_boot uint64_t
wait_pokes(void)
{
    return pokes;
}

__after_boot void
wait_poke(void)
{
    pokes++;
    waitq_wake_n(&pollers, INT32_MAX);
}
