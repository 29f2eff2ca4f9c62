// lwIP's platform for the kernel (NO_SYS): its clock (sys_now), random
// numbers, and the one kernel timer that runs lwIP's timeouts (TCP
// retransmission and delayed ACKs, ARP, ND, DHCP, reassembly) when due.
// Drivers call it (net_stack_poll); it calls no driver.
#include "net/netif.h"
#include "drivers/clock.h"
#include "drivers/rng.h"
#include "sched/timer.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"

#define NS_PER_MS 1000000ull

static bool started;
static void stack_timer_fire(struct timer *t);
static struct timer stack_timer = TIMER_INIT(stack_timer_fire, NULL);
static uint64_t stack_timer_deadline;     // when armed

// lwIP's clock: milliseconds, wrapping at 2^32 as lwIP expects.
__after_boot u32_t
sys_now(void)
{
    return (u32_t)(clock_monotonic_ns() / NS_PER_MS);
}

__after_boot unsigned int
net_rand32(void)
{
    unsigned int v;

    rng_bytes(&v, sizeof(v));
    return v;
}

__after_boot static void
stack_timer_fire(struct timer *t)
{
    sys_check_timeouts();
    net_stack_poll();
}

// Arm the timer for lwIP's next timeout, unless it is armed for sooner
// (an early expiry finds nothing due and re-arms).
__after_boot static void
stack_timer_arm(void)
{
    u32_t ms = sys_timeouts_sleeptime();
    uint64_t deadline;

    if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return;
    deadline = clock_monotonic_ns() + (uint64_t)ms * NS_PER_MS;
    if (timer_armed(&stack_timer) && stack_timer_deadline <= deadline)
        return;
    stack_timer_deadline = deadline;
    timer_add(&stack_timer, deadline);
}

__after_boot void
net_stack_poll(void)
{
    netif_poll_all();
    stack_timer_arm();
}

__after_boot void
net_stack_init(void)
{
    if (started)
        return;
    started = true;
    lwip_init();
    net_stack_poll();
}
