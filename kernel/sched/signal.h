// Signals: pending sets, masks, actions, and running the program's handlers.
#pragma once
#include "types.h"

struct trap_frame;

#define SIGBIT(sig) (1ull << ((sig) - 1))

// What the handler's siginfo_t and sigcontext say about one pending signal.
struct sig_info {
    int code;               // si_code: SI_USER, SI_TKILL, SEGV_MAPERR...
    int pid;                // si_pid, si_uid for kill and tkill
    uint32_t uid;
    uint64_t addr;          // si_addr for faults
    uint64_t trapno, err, cr2;   // the exception, for the sigcontext
};

// The alternate signal stack (sigaltstack(2)); size 0 means disabled.
struct sig_altstack {
    uint64_t sp, size;
    uint32_t flags;         // SS_AUTODISARM
};

// Mark SIG pending for the process, as the kernel sends it (SIGPIPE): SI_KERNEL.
void signal_send(int sig);
// Mark SIG pending with INFO (kill, tgkill, the console).
void signal_send_info(int sig, const struct sig_info *info);
// Act on pending, unblocked signals before returning to the program: run
// handlers (frames on the user stack) or take default actions.
void signal_deliver(struct trap_frame *f);
// A fault the program caused (SIGSEGV, SIGILL...): to its handler, or fatal
// when the signal is blocked, ignored or has no handler. The caller then
// calls signal_deliver.
void signal_force(struct trap_frame *f, int sig, const struct sig_info *info);
// The alternate stack, for sigaltstack(2) and the signal frames.
struct sig_altstack *signal_altstack(void);
bool signal_on_altstack(uint64_t sp);
// The sigreturn frame at F was bad: SIGSEGV, as Linux sends.
void signal_bad_frame(void);
