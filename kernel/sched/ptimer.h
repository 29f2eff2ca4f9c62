// A process's timers that send signals: setitimer(2)'s three (ITIMER_REAL on
// the monotonic clock, ITIMER_VIRTUAL on user CPU time, ITIMER_PROF on user
// and system CPU time) and timer_create(2)'s POSIX timers. Times in ns.
// Caller holds the kernel lock.
#pragma once
#include "types.h"
#include "sched/timer.h"

struct proc;
struct thread;

struct posix_timer {
    struct posix_timer *next;
    int id;
    int clock;                  // CLOCK_REALTIME, CLOCK_MONOTONIC, ...
    int notify;                 // SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID
    int sig;
    int tid;                    // SIGEV_THREAD_ID's thread
    uint64_t value;             // sigev_value
    uint64_t interval;
    struct timer timer;         // armed on the monotonic clock
    struct proc *proc;
    int overrun;                // expiries since the signal was queued
    int overrun_seen;           // what timer_getoverrun reports: the last delivered signal's
    bool queued;                // its signal is pending and not yet taken
};

// setitimer: WHICH's new value and interval; the old ones out. 0 or -EINVAL.
long itimer_set(int which, uint64_t value, uint64_t interval, uint64_t *old_value,
                uint64_t *old_interval);
long itimer_get(int which, uint64_t *value, uint64_t *interval);
// CPU time the process's thread T just used: ITIMER_VIRTUAL and ITIMER_PROF count down.
void itimer_account(struct thread *t, uint64_t user_ns, uint64_t sys_ns);
// When this CPU must next look at the CPU-time itimers of the thread it runs
// (a thread computing in user mode enters the kernel for nothing else), or
// UINT64_MAX.
uint64_t itimer_cpu_deadline(struct thread *t);

struct sigevent;
long posix_timer_create(int clock, const struct sigevent *sev, int *id);   // SEV NULL: SIGALRM
struct posix_timer *posix_timer_find(int id);
long posix_timer_set(struct posix_timer *pt, bool absolute, uint64_t value, uint64_t interval);
void posix_timer_get(struct posix_timer *pt, uint64_t *value, uint64_t *interval);
void posix_timer_delete(struct posix_timer *pt);
int posix_timer_delivered(struct proc *p, int id); // its SI_TIMER signal was taken: its overrun
