// Signals: pending sets, masks, default actions.
#pragma once
#include "types.h"

struct trap_frame;

#define SIGBIT(sig) (1ull << ((sig) - 1))

// Mark SIG pending for the process (kill, tgkill).
void signal_send(int sig);
// Act on pending, unblocked signals before returning to the program.
void signal_deliver(struct trap_frame *f);
// A fault the program caused (SIGSEGV, SIGILL...): cannot be blocked or ignored.
void signal_force(struct trap_frame *f, int sig, uint64_t addr);
