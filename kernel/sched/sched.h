// The scheduler: per-CPU run queues of runnable threads, round-robin with a
// time slice when several want one CPU, an idle thread per CPU that halts,
// and idle CPUs taking work from busy ones. Caller holds the kernel lock for
// everything here.
#pragma once
#include "types.h"
#include "sched/proc.h"

#define SCHED_SLICE_NS 4000000ull     // 4 ms, then the next runnable thread

void schedule(void);                        // run something else if anything else can run
// Block the current thread until sched_wake, DEADLINE (monotonic ns,
// WAIT_FOREVER for none) or, when INTERRUPTIBLE, a signal. Returns why it woke.
enum wake_reason sched_block(uint64_t deadline, bool interruptible);
void sched_wake(struct thread *t, enum wake_reason why);   // a blocked thread runs again
void sched_start(struct thread *t);         // a new thread's first time on a run queue
// T must notice a signal now: wake it from an interruptible block, or make
// the CPU it runs on come into the kernel.
void sched_kick(struct thread *t);
void sched_kick_fatal(struct thread *t);    // T's process is ending: wake it from any wait
void sched_tick(uint64_t now);              // the timer fired: end the slice if it is over
// Everything the kernel does before a return to user mode: signals, then
// switching away if this CPU's thread should; then the kernel lock goes.
void sched_exit_to_user(struct trap_frame *f);
// Entering the kernel from user mode: take the lock, count the user time.
void sched_enter_from_user(void);
// The thread's CPU time so far (user + system), ns; and the two parts.
uint64_t thread_cpu_ns(struct thread *t);
void thread_cpu_times(struct thread *t, uint64_t *user_ns, uint64_t *sys_ns);
void proc_cpu_times(struct proc *p, uint64_t *user_ns, uint64_t *sys_ns); // live and dead threads
__noreturn void sched_exit_thread(void); // the current thread is DEAD: switch away for good
void sched_set_affinity(struct thread *t, uint64_t mask);
void sched_cpu_online(struct percpu *c); // an application processor joins (smp.c)
uint64_t sched_make_idle(struct percpu *c); // an application processor's idle thread: its stack top
__noreturn void sched_idle_loop(void); // what an application processor runs once up
