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
void proc_kill_threads(struct proc *p);
// Orphaned process groups (orphan.c): P is exiting; CHILD of FATHER, exiting,
// went to its new parent. Either may leave a group with stopped members
// orphaned: SIGHUP and SIGCONT to it.
void pgrp_orphan_exit(struct proc *p);
bool pgrp_is_orphaned(int pgrp);
void pgrp_orphan_reparented(struct proc *father,
                            struct proc *child);          // exit_group, a fatal signal, exec

// What a wait asks to hear of (wait4's WUNTRACED, WCONTINUED; waitid's W*).
#define WAIT_EXITED    1
#define WAIT_STOPPED   2
#define WAIT_CONTINUED 4

struct wait_result {
    int pid;
    int what;                   // WAIT_EXITED, WAIT_STOPPED or WAIT_CONTINUED
    uint32_t uid;
    int status;                 // as wait(2) encodes it
    uint64_t utime, stime;      // ns
};
// wait4/waitid on the caller's children matching PID (>0 one, 0 its group,
// -1 any, <-1 group -PID) for the events WANT names: the child's pid; 0
// with NOHANG and nothing to report; -ECHILD, -ERESTARTSYS. NOWAIT leaves
// the event (a zombie) to be waited for again.
long proc_wait(int pid, int want, bool nohang, bool nowait, struct wait_result *res);
void proc_stop(struct proc *p, int sig);          // a stop signal's default action
void proc_continue(struct proc *p,
                   bool report); // SIGCONT (REPORT), or SIGKILL, to a stopped process
