// System V semaphores (sem.h). A semop applies its operations in order as
// one step or not at all; one that cannot go on waits on its set's queue
// with its operations, and whoever changes the values next completes the
// waiting ones that now can (the waker does the work, as Linux's
// update_queue: the waiter only learns its result). SEM_UNDO adjustments
// live in one list per process (struct proc_adjs), found by its struct
// proc, and are applied by sem_exit.
#include "ipc/sem.h"
#include "ipc/ipc.h"
#include "sched/waitq.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/ipc.h>

struct sem_value {
    int val;                      // semval, 0..SEMVMX
    int pid;                      // sempid: the last process to operate on it
};

struct sem_adj;

struct sem_set {
    struct ipc_obj perm;
    int nsems;
    int64_t otime, ctime;
    struct waitq pending;         // waiting semops (struct sem_waiter), oldest first
    struct sem_adj *adjs;         // every process's adjustments to this set
    struct sem_value sems[];
};

// One process's SEM_UNDO adjustments to one set (Linux's struct sem_undo).
struct sem_adj {
    struct sem_set *set;
    struct proc_adjs *owner;
    struct sem_adj *next_in_set, *next_in_proc;
    short adj[];                  // semadj, one per semaphore
};

// One process's adjustments, shared by its threads (CLONE_SYSVSEM, which
// glibc and musl threads ask for). LINUX-DIFF: a thread made without
// CLONE_SYSVSEM shares them too, and a process made with it (clone without
// CLONE_VM) has its own.
struct proc_adjs {
    struct proc *proc;
    struct sem_adj *adjs;
    struct proc_adjs *next;
};

// A semop waiting, on its thread's stack.
struct sem_waiter {
    struct waiter w;              // first: the queue links &w
    struct sembuf *sops;
    int nsops;
    bool alter;                   // some operation changes a value
    int blocking;                 // the operation it waits on, for GETNCNT and GETZCNT
    struct sem_adj *adj;          // the caller's adjustments, if it uses SEM_UNDO
    int pid;
    long status;                  // WAITING until a waker (or IPC_RMID) settles it
};
#define WAITING 1

static struct ipc_ids sem_ids = { .max_idx = -1, .last_idx = -1, .limit = SEMMNI };
static long used_sems;            // semaphores in every set, against SEMMNS
static struct proc_adjs *all_adjs;

__after_boot static struct sem_set *
find(int id)
{
    return (struct sem_set *)ipc_find_id(&sem_ids, id);
}

__after_boot static bool
adj_out_of_range(int adj)
{
    return adj < -SEMAEM - 1 || adj > SEMAEM;
}

// Take back the first N operations of SOPS, last first.
__after_boot static void
revert(struct sem_set *s, const struct sembuf *sops, int n, struct sem_adj *adj)
{
    while (n-- > 0) {
        s->sems[sops[n].sem_num].val -= sops[n].sem_op;
        if (sops[n].sem_flg & SEM_UNDO)
            adj->adj[sops[n].sem_num] += sops[n].sem_op;
    }
}

// Apply SOPS in order as one step: 0 when all went; else none did and the
// result is WAITING (operation *BLOCKING cannot go on yet), -EAGAIN (it
// cannot and says IPC_NOWAIT) or -ERANGE (a value or adjustment would
// leave its range), as Linux's perform_atomic_semop_slow.
__after_boot static long
try_ops(struct sem_set *s, const struct sembuf *sops, int nsops, struct sem_adj *adj, int *blocking)
{
    long ret = 0;
    int i;

    for (i = 0; i < nsops && !ret; i++) {
        const struct sembuf *op = &sops[i];
        struct sem_value *sv = &s->sems[op->sem_num];
        int v = sv->val + op->sem_op;

        if ((op->sem_op == 0 && sv->val) || v < 0) {
            *blocking = i;
            ret = op->sem_flg & IPC_NOWAIT ? -EAGAIN : WAITING;
        } else if (v > SEMVMX || ((op->sem_flg & SEM_UNDO) &&
                                  adj_out_of_range(adj->adj[op->sem_num] - op->sem_op))) {
            ret = -ERANGE;
        } else {
            sv->val = v;
            if (op->sem_flg & SEM_UNDO)
                adj->adj[op->sem_num] -= op->sem_op;
            continue;
        }
        revert(s, sops, i, adj);
    }
    return ret;
}

// A semop went through for process PID.
__after_boot static void
ops_done(struct sem_set *s, const struct sembuf *sops, int nsops, int pid)
{
    for (int i = 0; i < nsops; i++)
        s->sems[sops[i].sem_num].pid = pid;
    s->otime = ipc_now();
}

// Values changed: complete the waiting semops that can now go on, as
// Linux's update_queue does: those that only wait for zeros first, then
// the others oldest first, looking again from the start after each one
// that changed a value.
__after_boot static void
wake_waiters(struct sem_set *s)
{
again:
    for (int alter = 0; alter < 2; alter++) {
        for (struct waiter *w = s->pending.head, *next; w; w = next) {
            struct sem_waiter *sw = (struct sem_waiter *)w;
            long r;

            next = w->next;
            if (sw->alter != alter ||
                (r = try_ops(s, sw->sops, sw->nsops, sw->adj, &sw->blocking)) == WAITING)
                continue;
            if (r == 0)
                ops_done(s, sw->sops, sw->nsops, sw->pid);
            sw->status = r;
            waitq_wake_one(w);
            if (r == 0 && alter)
                goto again;
        }
    }
}

// The calling process's adjustment lists, made on first use when CREATE.
__after_boot static struct proc_adjs *
proc_adjs(struct proc *p, bool create)
{
    struct proc_adjs *pa;

    for (pa = all_adjs; pa; pa = pa->next)
        if (pa->proc == p)
            return pa;
    if (!create || !(pa = kzalloc(sizeof(*pa))))
        return NULL;
    pa->proc = p;
    pa->next = all_adjs;
    all_adjs = pa;
    return pa;
}

// The caller's adjustments to set ID, made (all zero) if it has none yet.
__after_boot static long
find_adj(int id, struct sem_adj **out)
{
    struct proc_adjs *pa = proc_adjs(current_proc(), true);
    struct sem_set *s;
    struct sem_adj *a;

    if (!pa)
        return -ENOMEM;
    if (!(s = find(id)))
        return -EINVAL;
    for (a = pa->adjs; a; a = a->next_in_proc)
        if (a->set == s)
            break;
    if (!a && (a = kzalloc(sizeof(*a) + s->nsems * sizeof(a->adj[0])))) {
        a->set = s, a->owner = pa;
        a->next_in_set = s->adjs, s->adjs = a;
        a->next_in_proc = pa->adjs, pa->adjs = a;
    }
    *out = a;
    return a ? 0 : -ENOMEM;
}

// Take A off its owner's list.
__after_boot static void
unlink_from_owner(struct sem_adj *a)
{
    struct sem_adj **pp = &a->owner->adjs;

    while (*pp != a)
        pp = &(*pp)->next_in_proc;
    *pp = a->next_in_proc;
}

// Wait until a waker settles Q (its result), a signal comes (EINTR: semop
// is never restarted, as on Linux) or DEADLINE passes (EAGAIN).
__after_boot static long
wait_settled(struct sem_set *s, struct sem_waiter *q, uint64_t deadline)
{
    for (;;) {
        enum wake_reason why = waitq_sleep(&s->pending, &q->w, deadline, true);

        if (q->status != WAITING)
            return q->status;
        if (why == WAKE_SIGNAL)
            return -EINTR;
        if (why == WAKE_TIMEOUT)
            return -EAGAIN;
    }
}

// Linux's order: the adjustments are looked up (EINVAL for no such set)
// before the operations are checked against the set.
__after_boot long
sem_op(int id, struct sembuf *sops, int nsops, uint64_t deadline)
{
    struct sem_waiter q = { .sops = sops,
                            .nsops = nsops,
                            .pid = current_proc()->pid,
                            .status = WAITING };
    bool undo = false;
    int max = 0;
    struct sem_set *s;
    long ret;

    for (int i = 0; i < nsops; i++) {
        max = MAX(max, sops[i].sem_num);
        undo |= (sops[i].sem_flg & SEM_UNDO) != 0;
        q.alter |= sops[i].sem_op != 0;
    }
    if (undo && (ret = find_adj(id, &q.adj)) < 0)
        return ret;
    if (!(s = find(id)))
        return -EINVAL;
    if (max >= s->nsems)
        return -EFBIG;
    if (!ipc_permitted(&s->perm, q.alter ? 0222 : 0444))
        return -EACCES;
    if ((ret = try_ops(s, sops, nsops, q.adj, &q.blocking)) != WAITING) {
        if (ret == 0) {
            ops_done(s, sops, nsops, q.pid);
            if (q.alter)
                wake_waiters(s);
        }
        return ret;
    }
    return wait_settled(s, &q, deadline);
}

__after_boot static long
create(int32_t key, int nsems, int flags)
{
    struct sem_set *s;
    long ret;

    if (!nsems)
        return -EINVAL;
    if (used_sems + nsems > SEMMNS)
        return -ENOSPC;
    if (!(s = kzalloc(sizeof(*s) + nsems * sizeof(s->sems[0]))))
        return -ENOMEM;
    if ((ret = ipc_add(&sem_ids, &s->perm, key, flags & 0777)) < 0) {
        kfree(s);
        return ret;
    }
    s->nsems = nsems;
    s->ctime = ipc_now();
    used_sems += nsems;
    return s->perm.id;
}

__after_boot long
sem_get(int32_t key, int nsems, int flags)
{
    struct ipc_obj *o;
    long ret;

    if (nsems < 0 || nsems > SEMMSL)
        return -EINVAL;
    if ((ret = ipc_lookup_key(&sem_ids, key, flags, &o)) < 0)
        return ret;
    if (!o)
        return create(key, nsems, flags);
    if (nsems > ((struct sem_set *)o)->nsems)
        return -EINVAL;
    return ipc_open(o, flags);
}

__after_boot long
sem_stat(int id, int cmd, struct semid64_ds *out)
{
    struct sem_set *s =
        (struct sem_set *)(cmd == IPC_STAT ? ipc_find_id(&sem_ids, id)
                                           : ipc_find_index(&sem_ids, id & (IPC_MNI - 1)));

    if (!s)
        return -EINVAL;
    if (cmd != SEM_STAT_ANY && !ipc_permitted(&s->perm, 0444))
        return -EACCES;
    memset(out, 0, sizeof(*out));
    ipc_get_perm(&s->perm, &out->sem_perm);
    out->sem_otime = s->otime;
    out->sem_ctime = s->ctime;
    out->sem_nsems = s->nsems;
    return cmd == IPC_STAT ? 0 : s->perm.id;
}

__after_boot int
sem_info(int cmd, struct seminfo *out)
{
    memset(out, 0, sizeof(*out));
    out->semmni = SEMMNI;
    out->semmns = SEMMNS;
    out->semmsl = SEMMSL;
    out->semopm = SEMOPM;
    out->semvmx = SEMVMX;
    out->semmnu = SEMMNU;
    out->semmap = SEMMAP;
    out->semume = SEMUME;
    out->semusz = cmd == SEM_INFO ? sem_ids.in_use : SEMUSZ;
    out->semaem = cmd == SEM_INFO ? used_sems : SEMAEM;
    return ipc_max_index(&sem_ids);
}

// Waiting semops whose waited-on operation is on SEMNUM and waits for an
// increase (GETNCNT) or for zero (GETZCNT), as Linux counts since 4.x.
__after_boot static int
count_waiting(struct sem_set *s, int semnum, bool zero)
{
    int n = 0;

    for (struct waiter *w = s->pending.head; w; w = w->next) {
        struct sem_waiter *sw = (struct sem_waiter *)w;
        const struct sembuf *op = &sw->sops[sw->blocking];
        n += op->sem_num == semnum && (zero ? op->sem_op == 0 : op->sem_op < 0);
    }
    return n;
}

// The set ID names, if the caller may read it (WRITE: change it).
__after_boot static long
accessible(int id, bool write, struct sem_set **out)
{
    if (!(*out = find(id)))
        return -EINVAL;
    return ipc_permitted(&(*out)->perm, write ? 0222 : 0444) ? 0 : -EACCES;
}

__after_boot long
sem_read_one(int id, int semnum, int cmd)
{
    struct sem_set *s;
    long ret;

    if ((ret = accessible(id, false, &s)) < 0)
        return ret;
    if (semnum < 0 || semnum >= s->nsems)
        return -EINVAL;
    switch (cmd) {
    case GETVAL: return s->sems[semnum].val;
    case GETPID: return s->sems[semnum].pid;
    case GETNCNT: return count_waiting(s, semnum, false);
    default: return count_waiting(s, semnum, true);
    }
}

// SETVAL and SETALL: every process's adjustment to the semaphores set
// (ALL: to all of them) goes back to zero, and waiters look again.
__after_boot static void
values_set(struct sem_set *s, int semnum, bool all)
{
    for (struct sem_adj *a = s->adjs; a; a = a->next_in_set) {
        if (all)
            memset(a->adj, 0, s->nsems * sizeof(a->adj[0]));
        else
            a->adj[semnum] = 0;
    }
    s->ctime = ipc_now();
    wake_waiters(s);
}

__after_boot long
sem_setval(int id, int semnum, int val)
{
    struct sem_set *s;

    if (val < 0 || val > SEMVMX)
        return -ERANGE;
    if (!(s = find(id)) || semnum < 0 || semnum >= s->nsems)
        return -EINVAL;
    if (!ipc_permitted(&s->perm, 0222))
        return -EACCES;
    s->sems[semnum].val = val;
    s->sems[semnum].pid = current_proc()->pid;
    values_set(s, semnum, false);
    return 0;
}

__after_boot long
sem_getall(int id, uint16_t __user *array)
{
    struct sem_set *s;
    uint16_t *vals;
    long ret;

    if ((ret = accessible(id, false, &s)) < 0)
        return ret;
    if (!(vals = kmalloc(s->nsems * sizeof(*vals))))
        return -ENOMEM;
    for (int i = 0; i < s->nsems; i++)
        vals[i] = s->sems[i].val;
    ret = copy_to_user(array, vals, s->nsems * sizeof(*vals));
    kfree(vals);
    return ret;
}

__after_boot long
sem_setall(int id, const uint16_t __user *array)
{
    struct sem_set *s;
    uint16_t *vals;
    long ret;

    if ((ret = accessible(id, true, &s)) < 0)
        return ret;
    if (!(vals = kmalloc(s->nsems * sizeof(*vals))))
        return -ENOMEM;
    if ((ret = copy_from_user(vals, array, s->nsems * sizeof(*vals))) < 0)
        goto out;
    for (int i = 0; i < s->nsems; i++)
        if (vals[i] > SEMVMX)
            ret = -ERANGE;
    for (int i = 0; i < s->nsems && !ret; i++)
        s->sems[i] = (struct sem_value){ vals[i], current_proc()->pid };
    if (!ret)
        values_set(s, 0, true);
out:
    kfree(vals);
    return ret;
}

// The set IPC_SET or IPC_RMID names, if the caller may change it.
__after_boot static long
owned(int id, struct sem_set **out)
{
    if (!(*out = find(id)))
        return -EINVAL;
    return ipc_may_change(&(*out)->perm) ? 0 : -EPERM;
}

__after_boot long
sem_set(int id, const struct semid64_ds *in)
{
    struct sem_set *s;
    long ret;

    if ((ret = owned(id, &s)) < 0 || (ret = ipc_set_perm(&s->perm, &in->sem_perm)) < 0)
        return ret;
    s->ctime = ipc_now();
    return 0;
}

// IPC_RMID: every waiter fails with EIDRM, every adjustment goes.
__after_boot long
sem_remove(int id)
{
    struct sem_set *s;
    struct sem_adj *a;
    long ret;

    if ((ret = owned(id, &s)) < 0)
        return ret;
    for (struct waiter *w; (w = s->pending.head);) {
        ((struct sem_waiter *)w)->status = -EIDRM;
        waitq_wake_one(w);
    }
    while ((a = s->adjs)) {
        s->adjs = a->next_in_set;
        unlink_from_owner(a);
        kfree(a);
    }
    ipc_remove(&sem_ids, &s->perm);
    used_sems -= s->nsems;
    kfree(s);
    return 0;
}

// Linux's exit_sem: each adjustment is added to its value, which stays within 0..SEMVMX.
__after_boot static void
apply_adj(struct sem_adj *a, int pid)
{
    struct sem_set *s = a->set;
    struct sem_adj **pp = &s->adjs;

    for (int i = 0; i < s->nsems; i++) {
        if (!a->adj[i])
            continue;
        s->sems[i].val = MIN(MAX(s->sems[i].val + a->adj[i], 0), SEMVMX);
        s->sems[i].pid = pid;
    }
    while (*pp != a)
        pp = &(*pp)->next_in_set;
    *pp = a->next_in_set;
    s->otime = ipc_now();
    wake_waiters(s);
}

__after_boot void
sem_exit(struct proc *p)
{
    struct proc_adjs *pa = proc_adjs(p, false), **pp = &all_adjs;
    struct sem_adj *a;

    if (!pa)
        return;
    while (*pp != pa)
        pp = &(*pp)->next;
    *pp = pa->next;
    while ((a = pa->adjs)) {
        pa->adjs = a->next_in_proc;
        apply_adj(a, p->pid);
        kfree(a);
    }
    kfree(pa);
}
