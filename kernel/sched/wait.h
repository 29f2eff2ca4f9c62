// Waiting without spinning: block the thread until its condition may have
// changed, then look again; a CPU with nothing to run halts.
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
// How many wait_poke() calls there have been: a clock that orders wake-ups
// (fs/file.c stamps a file's last wake-up with it for edge-triggered epoll).
uint64_t wait_pokes(void);
// wait_until that a signal can end: 0 when READY, -ETIMEDOUT, or -EINTR when
// INTERRUPTIBLE and a signal the thread does not block is pending (the
// caller returns -EINTR or a restart code, as Linux does for that call).
long wait_event(uint64_t deadline, bool (*ready)(void *), void *arg, bool interruptible);
