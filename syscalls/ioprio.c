// ioprio_get and ioprio_set: a thread's I/O priority, recorded (memory is
// the storage: there is no I/O to order) and answered as Linux answers it.
// A thread that never set one has IOPRIO_CLASS_NONE (0); over a process
// group or a user, the best (lowest) is taken, a NONE counting as what its
// scheduling gives (best effort at level (nice + 20) / 5, idle for
// SCHED_IDLE), as Linux's.
#include "types.h"
#include "syscalls.h"
#include "sched/proc.h"
#include "sched/caps.h"
#include <asm-generic/errno.h>
#include <linux/capability.h>
#include <linux/sched.h>

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP    2
#define IOPRIO_WHO_USER    3
#define CLASS_NONE         0
#define CLASS_RT           1
#define CLASS_BE           2
#define CLASS_IDLE         3

// T's priority as a group's or user's best counts it.
static int
effective_ioprio(const struct thread *t)
{
    if (t->ioprio >> 13)
        return t->ioprio;
    return (t->policy == SCHED_IDLE ? CLASS_IDLE : CLASS_BE) << 13 | (t->nice + 20) / 5;
}

// Whether process P is among WHICH/WHO's (WHO already resolved from 0).
static bool
is_member(const struct proc *p, int which, int who)
{
    return which == IOPRIO_WHO_PGRP ? p->pgid == who : (int)p->creds.ruid == who;
}

// The best priority over the threads of every process of a group or user.
static long
get_many(int which, int who)
{
    long ret = -ESRCH;

    if (!who)
        who = which == IOPRIO_WHO_PGRP ? current_proc()->pgid : (int)current_proc()->creds.ruid;
    for (struct proc *p = proc_first(); p; p = p->all_next) {
        if (p->zombie || !is_member(p, which, who))
            continue;
        for (struct thread *t = p->threads; t; t = t->proc_next)
            ret = ret == -ESRCH ? effective_ioprio(t) : MIN(ret, effective_ioprio(t));
    }
    return ret;
}

// The thread WHO names, in any process: 0 the caller.
static struct thread *
find_thread(int who)
{
    struct thread *t = who == 0 ? current_thread() : thread_find(who);
    struct proc *p;

    if (t || who <= 0 || !(p = proc_find(who)) || p->zombie)
        return t;
    for (t = p->threads; t && t->tid != who; t = t->proc_next)
        ;
    return t;
}

long
sys_ioprio_get(int which, int who)
{
    struct thread *t;

    if (which == IOPRIO_WHO_PROCESS) {
        t = find_thread(who);
        return t ? t->ioprio : -ESRCH;
    }
    if (which != IOPRIO_WHO_PGRP && which != IOPRIO_WHO_USER)
        return -EINVAL;
    return get_many(which, who);
}

// Linux's ioprio_check_cap: the class (RT needs CAP_SYS_NICE or
// CAP_SYS_ADMIN), a NONE with a level; bits 3-12 are hints, taken as given.
static long
check_ioprio(int ioprio)
{
    int cls = (ioprio >> 13) & 7, level = ioprio & 7;

    if (cls == CLASS_RT && !proc_capable(current_proc(), CAP_SYS_NICE))
        return -EPERM;
    if (cls > CLASS_IDLE || (cls == CLASS_NONE && level))
        return -EINVAL;
    return 0;
}

// Setting another process's threads needs its real uid to be ours (real or
// effective) or CAP_SYS_NICE, as Linux's set_task_ioprio.
static long
set_one(struct thread *t, int ioprio)
{
    const struct creds *me = &current_proc()->creds, *it = &t->proc->creds;

    if (it->ruid != me->euid && it->ruid != me->ruid && !proc_capable(current_proc(), CAP_SYS_NICE))
        return -EPERM;
    t->ioprio = ioprio;
    return 0;
}

long
sys_ioprio_set(int which, int who, int ioprio)
{
    long ret = check_ioprio(ioprio);
    struct thread *t;

    if (ret < 0)
        return ret;
    if (which == IOPRIO_WHO_PROCESS) {
        t = find_thread(who);
        return t ? set_one(t, ioprio) : -ESRCH;
    }
    if (which != IOPRIO_WHO_PGRP && which != IOPRIO_WHO_USER)
        return -EINVAL;
    if (!who)
        who = which == IOPRIO_WHO_PGRP ? current_proc()->pgid : (int)current_proc()->creds.ruid;
    ret = -ESRCH;
    for (struct proc *p = proc_first(); p; p = p->all_next) {
        if (p->zombie || !is_member(p, which, who))
            continue;
        for (struct thread *th = p->threads; th; th = th->proc_next)
            if ((ret = set_one(th, ioprio)) < 0)
                return ret;
    }
    return ret;
}
