// Processes beyond the first: fork (a copy of the calling thread in a copy
// of its process: copy-on-write memory, the same open files, the same
// signal actions, nothing pending), the end of a process (its threads told
// to go, its resources let go, a zombie for its parent or reaped by the
// kernel's init), and reaping by wait. The first program's end is the VM's
// (sched/proc.c). Caller holds the kernel lock for everything here.
#include "sched/process.h"
#include "sched/proc.h"
#include "sched/groups.h"
#include "sched/sched.h"
#include "sched/thread.h"
#include "sched/signal.h"
#include "sched/ptimer.h"
#include "sched/waitq.h"
#include "sched/wait.h"
#include "mm/uaccess.h"
#include "syscalls/restart.h"
#include "fs/file.h"
#include "ipc/ipc.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "drivers/clock.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/siginfo.h>
#include <asm/signal.h>
#include <linux/sched.h>

// The new process's share of its parent: identity, actions, limits, cwd,
// relations. Memory and files are the caller's to set.
static void
copy_proc(struct proc *p, const struct proc *parent, uint64_t flags)
{
    p->pid = pid_alloc();
    p->ppid = parent->pid;
    p->pgid = parent->pgid;
    p->sid = parent->sid;
    p->creds = parent->creds;
    groups_get(p->creds.groups);
    memcpy(p->sigactions, parent->sigactions, sizeof(p->sigactions));
    memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
    p->umask = parent->umask;
    p->coredump_filter = parent->coredump_filter;
    p->personality = parent->personality;
    p->exe_path = kstrdup(parent->exe_path);
    p->exe_owned = true;
    p->cwd_vn = parent->cwd_vn ? vnode_get(parent->cwd_vn) : NULL;
    p->cwd_pending = parent->cwd_pending;
    p->exit_signal = flags & CSIGNAL;
    p->parent = (struct proc *)parent;
}

static void
link_proc(struct proc *p)
{
    struct proc *first = proc_first();

    p->sibling = p->parent->children;
    p->parent->children = p;
    p->all_next = first->all_next;
    first->all_next = p;
}

static void
unlink_proc(struct proc *p)
{
    if (p->parent)
        for (struct proc **pp = &p->parent->children; *pp; pp = &(*pp)->sibling)
            if (*pp == p) {
                *pp = p->sibling;
                break;
            }
    for (struct proc **pp = &proc_first()->all_next; *pp; pp = &(*pp)->all_next)
        if (*pp == p) {
            *pp = p->all_next;
            break;
        }
}

static void
proc_free(struct proc *p)
{
    unlink_proc(p);
    if (p->exe_owned)
        kfree((char *)p->exe_path);
    groups_put(p->creds.groups);
    kfree(p->child_wait);
    kfree(p);
}

// The memory and files a new process starts with: its parent's, shared
// (CLONE_VM, CLONE_FILES) or copied.
static long
give_resources(struct proc *p, const struct proc *parent, uint64_t flags)
{
    if (flags & CLONE_VM) {
        p->mm = parent->mm;
        p->mm->users++;
    } else if (!(p->mm = mm_fork(parent->mm))) {
        return -ENOMEM;
    }
    if (flags & CLONE_FILES) {
        p->fds = parent->fds;
        p->fds->refs++;
    } else if (!(p->fds = fd_table_copy(parent->fds))) {
        mm_put(p->mm);
        return -ENOMEM;
    }
    return 0;
}

// A vfork parent waits for its child to exec or end; killable only.
static void
wait_vfork(struct proc *child, int pid)
{
    struct thread *t = current_thread();

    while (child->vfork_parent == t && proc_find(pid) == child && !t->proc->exiting)
        sched_block(WAIT_FOREVER, false);
}

__after_boot long
proc_fork(const struct clone_req *req)
{
    struct proc *parent = current_proc(), *p = kzalloc(sizeof(*p));
    struct thread *t;
    int pid;

    if (!p || !(p->child_wait = kzalloc(sizeof(struct waitq))))
        goto fail;
    copy_proc(p, parent, req->flags);
    p->start_ns = clock_monotonic_ns();
    if (give_resources(p, parent, req->flags) < 0)
        goto fail_copy;
    if (!(t = thread_new(p, req, p->pid)))
        goto fail_resources;
    if (!(req->flags & CLONE_VM))
        t->altstack =
            current_thread()->altstack;   // fork keeps it; a thread of the same memory does not
    pid = p->pid;
    if ((req->flags & CLONE_PARENT_SETTID) &&
        copy_to_user((void __user *)req->parent_tid, &pid, 4) < 0)
        goto fail_thread;
    if (req->flags & CLONE_CHILD_SETTID)
        t->set_child_tid = req->child_tid;      // in the child's memory: written as it first runs
    if (req->flags & CLONE_VFORK)
        p->vfork_parent = current_thread();
    link_proc(p);
    sched_start(t);
    if (req->flags & CLONE_VFORK)
        wait_vfork(p, pid);
    return pid;
fail_thread:
    thread_free(t);
fail_resources:
    fd_table_put(p->fds);
    mm_put(p->mm);
fail_copy:
    if (p->cwd_vn)
        vnode_put(p->cwd_vn);
    kfree((char *)p->exe_path);
    groups_put(p->creds.groups);
fail:
    if (p)
        kfree(p->child_wait);
    kfree(p);
    return -ENOMEM;
}

// A vfork child stops using its parent's memory (exec or exit): the parent goes on.
__after_boot void
proc_vfork_release(struct proc *p)
{
    struct thread *t = p->vfork_parent;

    if (!t)
        return;
    p->vfork_parent = NULL;
    sched_wake(t, WAKE_EVENT);
}

// The nearest ancestor that adopts orphans (PR_SET_CHILD_SUBREAPER), else
// NULL: the kernel's init, which reaps them.
static struct proc *
adopter(struct proc *p)
{
    for (struct proc *a = p->parent; a; a = a->parent)
        if (a->child_subreaper && !a->exiting)
            return a;
    return NULL;
}

// P's children go to the adopter; a zombie among them is reaped at once if
// the kernel's init adopts it, else the adopter hears of it.
static void
reparent_children(struct proc *p)
{
    struct proc *to = adopter(p);

    while (p->children) {
        struct proc *c = p->children;
        p->children = c->sibling;
        c->parent = to;
        c->ppid = to ? to->pid : 1;
        if (to) {
            c->sibling = to->children;
            to->children = c;
            if (c->zombie)
                waitq_wake_n(to->child_wait, INT32_MAX);
        } else if (c->zombie) {
            proc_free(c);
            continue;
        }
        pgrp_orphan_reparented(p, c);
    }
}

// Whether P's parent wants no zombie of it: SIGCHLD ignored or SA_NOCLDWAIT.
static bool
parent_declines(const struct proc *p)
{
    const struct k_sigaction *sa;

    if (!p->parent)
        return true;
    sa = &p->parent->sigactions[SIGCHLD];
    return p->exit_signal == SIGCHLD &&
           (sa->handler == (uint64_t)SIG_IGN || (sa->flags & SA_NOCLDWAIT));
}

// Tell the parent: its exit signal with CLD_* info, and its waiters.
static void
notify_parent(struct proc *p)
{
    struct sig_info info = { .pid = p->pid, .uid = p->creds.ruid };

    if (p->exit_code & 0x7f) {
        info.code = p->exit_code & 0x80 ? CLD_DUMPED : CLD_KILLED;
        info.status = p->exit_code & 0x7f;
    } else {
        info.code = CLD_EXITED;
        info.status = (p->exit_code >> 8) & 0xff;
    }
    // clone takes any CSIGNAL byte; as Linux, one that is no signal is not sent.
    if (p->exit_signal > 0 && p->exit_signal <= NSIG_LINUX)
        signal_send_proc(p->parent, p->exit_signal, &info);
    waitq_wake_n(p->parent->child_wait, INT32_MAX);
}

// The last thread of P is leaving: let go of everything but the struct
// itself, which a zombie keeps for its parent. True when nobody will reap
// it: the caller's switch away frees it (sched.c's reap).
__after_boot bool
proc_end(struct proc *p)
{
    timer_cancel(&p->itimer_real);
    while (p->posix_timers)
        posix_timer_delete(p->posix_timers);
    fd_table_put(p->fds);
    p->fds = NULL;
    if (p->cwd_vn)
        vnode_put(p->cwd_vn);
    p->cwd_vn = NULL;
    proc_vfork_release(p);
    mm_put(p->mm);      // this CPU keeps its page table loaded until it switches away
    ipc_exit(p);        // SEM_UNDO's adjustments, segments removed with no attach left
    pgrp_orphan_exit(p);
    reparent_children(p);
    signal_flush(&p->shared_pending);
    p->zombie = true;
    wait_poke(); // pidfd pollers look again (fs/pidfd.c)
    if (parent_declines(p)) {
        // SA_NOCLDWAIT with a handler still hears of the end (Linux's
        // do_notify_parent); SIG_IGN does not. A waiter may now find no child: ECHILD.
        if (p->parent && p->exit_signal &&
            p->parent->sigactions[SIGCHLD].handler != (uint64_t)SIG_IGN)
            notify_parent(p);
        else if (p->parent)
            waitq_wake_n(p->parent->child_wait, INT32_MAX);
        return true;
    }
    notify_parent(p);
    return false;
}

__after_boot void
proc_release_autoreaped(struct proc *p)
{
    proc_free(p);
}

// Every other thread of P must go: woken from any wait, interrupted if it
// runs elsewhere; each leaves on its way back to user mode.
__after_boot void
proc_kill_threads(struct proc *p)
{
    for (struct thread *t = p->threads; t; t = t->proc_next)
        if (t != current_thread())
            sched_kick_fatal(t);
}

// Does child C match wait's PID argument, for a parent in process group PGID?
static bool
wait_matches(const struct proc *c, int pid, int pgid)
{
    if (pid > 0)
        return c->pid == pid;
    if (pid == 0)
        return c->pgid == pgid;
    if (pid == -1)
        return true;
    return c->pgid == -pid;
}

// What a child has to report to a wait that wants WANT (WAIT_*): its end,
// a stop, a continue; 0 for nothing.
static int
reportable(const struct proc *c, int want)
{
    if (c->zombie)
        return want & WAIT_EXITED;
    if (c->stop_unreported && c->stopped)
        return want & WAIT_STOPPED;
    if (c->cont_unreported)
        return want & WAIT_CONTINUED;
    return 0;
}

// Look for a child of the caller matching PID: *FOUND gets one with
// something WANT asks for, if any; the result says whether any child
// matches at all.
static bool
find_child(int pid, int want, struct proc **found, int *what)
{
    struct proc *p = current_proc();
    bool any = false;

    *found = NULL;
    for (struct proc *c = p->children; c; c = c->sibling) {
        if (!wait_matches(c, pid, p->pgid))
            continue;
        any = true;
        if ((*what = reportable(c, want))) {
            *found = c;
            return true;
        }
    }
    return any;
}

// What wait says of C's event WHAT, consumed unless NOWAIT; a zombie reaped.
static void
report(struct proc *c, int what, bool nowait, struct wait_result *res)
{
    res->pid = c->pid;
    res->uid = c->creds.ruid;
    res->what = what;
    res->utime = c->dead_utime;
    res->stime = c->dead_stime;
    if (what == WAIT_STOPPED) {
        res->status = c->stop_sig << 8 | 0x7f;
        c->stop_unreported = c->stop_unreported && nowait;
        return;
    }
    if (what == WAIT_CONTINUED) {
        res->status = 0xffff;
        c->cont_unreported = c->cont_unreported && nowait;
        return;
    }
    res->status = c->exit_code;
    if (!nowait) {
        current_proc()->child_utime += c->dead_utime + c->child_utime;
        current_proc()->child_stime += c->dead_stime + c->child_stime;
        proc_free(c);
    }
}

__after_boot long
proc_wait(int pid, int want, bool nohang, bool nowait, struct wait_result *res)
{
    struct proc *c;
    int what = 0;

    // As Linux, a wake by a signal scans once more: a child gone meanwhile
    // (reaped at once under SA_NOCLDWAIT) gives ECHILD, not EINTR.
    for (bool interrupted = false;;) {
        struct waiter w = { 0 };
        if (!find_child(pid, want, &c, &what))
            return -ECHILD;
        if (c)
            break;
        if (nohang)
            return 0;
        if (interrupted)
            return -ERESTARTSYS;
        interrupted =
            waitq_sleep(current_proc()->child_wait, &w, WAIT_FOREVER, true) == WAKE_SIGNAL;
    }
    report(c, what, nowait, res);
    return res->pid;
}

// Whether P's parent asked not to hear of stops and continues (SA_NOCLDSTOP).
static bool
parent_ignores_stops(const struct proc *p)
{
    return !p->parent || (p->parent->sigactions[SIGCHLD].flags & SA_NOCLDSTOP) ||
           p->parent->sigactions[SIGCHLD].handler == (uint64_t)SIG_IGN;
}

static void
tell_parent(struct proc *p, int code, int status)
{
    struct sig_info info = { .code = code, .pid = p->pid, .uid = p->creds.ruid, .status = status };

    if (!p->parent)
        return;
    if (!parent_ignores_stops(p))
        signal_send_proc(p->parent, SIGCHLD, &info);
    waitq_wake_n(p->parent->child_wait, INT32_MAX);
}

// A stop signal's default action: every thread parks on its way back to
// user mode (sched_exit_to_user) until SIGCONT or SIGKILL.
__after_boot void
proc_stop(struct proc *p, int sig)
{
    if (p->stopped)
        return;
    p->stopped = true;
    p->stop_sig = sig;
    p->stop_unreported = true;
    p->cont_unreported = false;
    for (struct thread *t = p->threads; t; t = t->proc_next)
        if (t != current_thread())
            sched_kick(t);
    tell_parent(p, CLD_STOPPED, sig);
}

__after_boot void
proc_continue(struct proc *p, bool report)
{
    p->stopped = false;
    p->stop_unreported = false;
    for (struct thread *t = p->threads; t; t = t->proc_next)
        if (t->parked)
            sched_wake(t, WAKE_EVENT);
    if (report) {
        p->cont_unreported = true;
        tell_parent(p, CLD_CONTINUED, SIGCONT);
    }
}
