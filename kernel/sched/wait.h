// Waiting without spinning: halt the CPU until an interrupt, then look again.
#pragma once
#include "types.h"

#define WAIT_FOREVER UINT64_MAX

// Wait until READY(ARG) is true (true) or clock_monotonic_ns() reaches
// DEADLINE (false). READY may be NULL: a plain sleep. READY is called with
// interrupts off, before the first halt and after every wake-up: any
// interrupt, and any wait_poke().
bool wait_until(uint64_t deadline, bool (*ready)(void *), void *arg);
// Something a READY condition may look at changed (data written to a pipe or
// a socket, a lock released): every wait_until re-checks. Call it after the
// change, from any kernel code that could unblock another thread's wait.
void wait_poke(void);
