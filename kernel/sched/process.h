// Processes after the first: fork, their end, and reaping (sched/process.c).
// Caller holds the kernel lock.
#pragma once
#include "types.h"

struct proc;
struct clone_req;

long proc_fork(const struct clone_req *req);     // the child's pid, or -errno
void proc_vfork_release(struct proc *p);         // exec or exit: a vfork parent goes on
// P's last thread is leaving: free its resources, make it a zombie and tell
// its parent. True when nobody will reap it: free it with
// proc_release_autoreaped once its last thread is off the CPU.
bool proc_end(struct proc *p);
void proc_release_autoreaped(struct proc *p);
void proc_kill_threads(struct proc *p);          // exit_group, a fatal signal, exec

struct wait_result {
    int pid;
    uint32_t uid;
    int status;                 // as wait(2) encodes it
    uint64_t utime, stime;      // ns
};
// wait4/waitid on the caller's children matching PID (>0 one, 0 its group,
// -1 any, <-1 group -PID): a zombie's pid; 0 with NOHANG and none ready;
// -ECHILD, -ERESTARTSYS. NOWAIT leaves the zombie to be waited for again.
long proc_wait(int pid, bool nohang, bool nowait, struct wait_result *res);
long proc_wait_for_none(int pid, bool nohang);   // waitid with WSTOPPED/WCONTINUED only
