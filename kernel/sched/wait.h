// Waiting without spinning: halt the CPU until an interrupt, then look again.
#pragma once
#include "types.h"

#define WAIT_FOREVER UINT64_MAX

// Wait until READY(ARG) is true (true) or clock_monotonic_ns() reaches
// DEADLINE (false). READY may be NULL: a plain sleep. READY is called with
// interrupts off, before the first halt and after every wake-up.
bool wait_until(uint64_t deadline, bool (*ready)(void *), void *arg);
