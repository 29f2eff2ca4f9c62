// Creating and ending the program's threads (sched/thread.c).
#pragma once
#include "types.h"
#include "sched/proc.h"

// What clone(2) and clone3(2) ask for, once their arguments are checked.
struct clone_req {
    uint64_t flags;
    uint64_t stack;         // the new thread's stack pointer, 0: the creator's
    uint64_t tls;           // CLONE_SETTLS: its %fs base
    uint64_t parent_tid;    // CLONE_PARENT_SETTID: where the new tid is written
    uint64_t child_tid;     // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
};

long thread_clone(const struct clone_req *req);    // the new thread's tid, or -errno
// A new process's first thread, a copy of the caller; NULL when out of memory.
struct thread *thread_new(struct proc *p, const struct clone_req *req, int tid);
void thread_free(struct thread *t);                // one never started
__noreturn void thread_exit(int status);           // exit(2)
__noreturn void thread_leave(void); // the current thread goes (its process may end)
