// Signals: pending sets, masks, actions, and running the program's handlers.
// A signal is pending either for one thread (tgkill, a fault, a timer with
// SIGEV_THREAD_ID) or for the process (kill, the console, most timers), and
// any thread that does not block a process-directed one may take it.
#pragma once
#include "types.h"
#include "arch/x86_64/sigframe.h"   // struct sig_altstack

struct trap_frame;
struct thread;
struct proc;

#define SIGBIT(sig) (1ull << ((sig) - 1))
#define SIGRTMIN_K  32       // signals from here on queue every instance

// What the handler's siginfo_t and sigcontext say about one pending signal.
struct sig_info {
    int code;               // si_code: SI_USER, SI_TKILL, SEGV_MAPERR...
    int pid;                // si_pid, si_uid for kill and tkill
    uint32_t uid;
    uint64_t addr;          // si_addr for faults
    uint64_t trapno, err, cr2;   // the exception, for the sigcontext
    int timerid, overrun;   // SI_TIMER
    uint64_t value;         // si_value (sigqueue, timers)
    int status;             // SIGCHLD's si_status (later)
};

// One queued instance of a signal.
struct sigqueue {
    struct sigqueue *next;
    int sig;
    struct sig_info info;
};

struct sigpending {
    uint64_t set;           // bit (sig - 1): at least one instance queued
    struct sigqueue *head;  // in the order sent
};

// Send SIG to the current process, as the kernel sends it (SIGPIPE): SI_KERNEL.
void signal_send(int sig);
// Send SIG with INFO to the current process (kill, the console): one thread
// that does not block it is woken to take it.
void signal_send_info(int sig, const struct sig_info *info);
// Send SIG with INFO to thread T only (tgkill, SIGEV_THREAD_ID). -EAGAIN when
// the queue of real-time signals is full.
long signal_send_thread(struct thread *t, int sig, const struct sig_info *info);
// Send to process P (kill from another process later; timers).
long signal_send_proc(struct proc *p, int sig, const struct sig_info *info);
// Send to every live process of group PGID; -ESRCH when there is none.
long signal_send_pgrp(int pgid, int sig, const struct sig_info *info);
// Act on pending, unblocked signals before returning to the program: run
// handlers (frames on the user stack) or take default actions. Also finishes
// an interrupted syscall: EINTR, or a restart (SA_RESTART).
void signal_deliver(struct trap_frame *f);
// A fault the program caused (SIGSEGV, SIGILL...): to its handler, or fatal
// when the signal is blocked, ignored or has no handler. The caller then
// calls signal_deliver.
void signal_force(struct trap_frame *f, int sig, const struct sig_info *info);
// Whether thread T has a signal it does not block pending: a wait it is in
// should end with EINTR.
bool signal_pending(struct thread *t);
// Take the lowest pending signal in SET (thread's own first, then the
// process's) off its queue; 0 if none. For sigtimedwait and signalfd.
int signal_dequeue(struct thread *t, uint64_t set, struct sig_info *info);
// The signals pending for T: its own and its process's.
uint64_t signal_pending_set(struct thread *t);
// Drop every queued signal (a dying thread's).
void signal_flush(struct sigpending *p);
// The alternate stack of the current thread, for sigaltstack(2) and the frames.
struct sig_altstack *signal_altstack(void);
bool signal_on_altstack(uint64_t sp);
// The sigreturn frame at F was bad: SIGSEGV, as Linux sends.
void signal_bad_frame(void);
// The siginfo_t the program sees for SIG with INFO (handlers, sigtimedwait, signalfd).
struct siginfo;
void signal_fill_siginfo(struct siginfo *out, int sig, const struct sig_info *info);
// A syscall that waits under its own mask (ppoll, pselect6, epoll_pwait):
// set it, then after the call put the old one back, or leave that to signal
// delivery when INTERRUPTED (the handler's frame must save the old one).
void signal_mask_for_call(uint64_t mask);
void signal_mask_after_call(bool interrupted);
// Whether SIG would be ignored by the process if delivered now (SIG_IGN, or
// SIG_DFL with an "ignore" default): such signals are dropped when sent.
bool signal_ignored(struct proc *p, int sig);
