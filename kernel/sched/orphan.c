// Orphaned process groups (POSIX, "orphaned process group"): a group none
// of whose members has a parent in another group of the same session has
// nobody left to continue its stopped members. When an exit makes a group
// so and the group has a stopped member, each member gets SIGHUP, then
// SIGCONT, as Linux's exit does. Its members are not stopped by SIGTSTP,
// SIGTTIN or SIGTTOU (signal.c), and a terminal gives them EIO instead.
#include "sched/process.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include <asm/signal.h>
#include <asm-generic/siginfo.h>

// Is PGRP orphaned once IGNORED (the exiting process, or NULL) is gone? A
// member whose parent is the kernel's init (NULL) links it to nothing.
static bool
orphaned_without(int pgrp, const struct proc *ignored)
{
    for (struct proc *q = proc_first(); q; q = q->all_next) {
        if (q->pgid != pgrp || q == ignored || q->zombie || !q->parent)
            continue;
        if (q->parent->pgid != pgrp && q->parent->sid == q->sid)
            return false;
    }
    return true;
}

__after_boot bool
pgrp_is_orphaned(int pgrp)
{
    return orphaned_without(pgrp, NULL);
}

static bool
has_stopped(int pgrp)
{
    for (struct proc *q = proc_first(); q; q = q->all_next)
        if (q->pgid == pgrp && !q->zombie && q->stopped)
            return true;
    return false;
}

// LINK was what tied MEMBER's group to its session from outside (MEMBER's
// parent, or the parent it had); IGNORED is the process leaving.
static void
check_group(const struct proc *member, const struct proc *link, const struct proc *ignored)
{
    struct sig_info info = { .code = SI_KERNEL };

    if (!link || link->pgid == member->pgid || link->sid != member->sid)
        return;
    if (!orphaned_without(member->pgid, ignored) || !has_stopped(member->pgid))
        return;
    signal_send_pgrp(member->pgid, SIGHUP, &info);
    signal_send_pgrp(member->pgid, SIGCONT, &info);
}

__after_boot void
pgrp_orphan_exit(struct proc *p)
{
    check_group(p, p->parent, p);
}

__after_boot void
pgrp_orphan_reparented(struct proc *father, struct proc *child)
{
    check_group(child, father, NULL);
}
