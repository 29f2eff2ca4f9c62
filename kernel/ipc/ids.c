// The id tables of System V IPC (ipc.h): handing out indexes and ids as
// Linux 6.1 does, finding objects by key and id, the permission rules the
// three kinds share (ipcperms, the owner checks of IPC_SET and IPC_RMID),
// and what a process's end does to them.
#include "ipc/ipc.h"
#include "ipc/sem.h"
#include "ipc/shm.h"
#include "sched/proc.h"
#include "sched/groups.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "drivers/clock.h"
#include <asm-generic/errno.h>
#include <linux/ipc.h>

#define IPC_SEQ_MAX (INT32_MAX >> IPC_SEQ_SHIFT)

__after_boot int64_t
ipc_now(void)
{
    return clock_realtime_coarse_ns() / 1000000000ull;
}

__after_boot struct ipc_obj *
ipc_find_index(struct ipc_ids *ids, int idx)
{
    return idx >= 0 && idx < ids->cap ? ids->objs[idx] : NULL;
}

__after_boot struct ipc_obj *
ipc_find_id(struct ipc_ids *ids, int id)
{
    struct ipc_obj *o = ipc_find_index(ids, id & (IPC_MNI - 1));

    return o && o->id == id ? o : NULL;
}

__after_boot int
ipc_max_index(const struct ipc_ids *ids)
{
    return ids->max_idx < 0 ? 0 : ids->max_idx;
}

// Make room in the table for index IDX.
__after_boot static long
grow(struct ipc_ids *ids, int idx)
{
    int cap = ids->cap ? ids->cap : IPC_MIN_CYCLE;
    struct ipc_obj **objs;

    if (idx < ids->cap)
        return 0;
    while (cap <= idx)
        cap *= 2;
    if (!(objs = kzalloc(cap * sizeof(*objs))))
        return -ENOMEM;
    if (ids->objs)
        memcpy(objs, ids->objs, ids->cap * sizeof(*objs));
    kfree(ids->objs);
    ids->objs = objs;
    ids->cap = cap;
    return 0;
}

// Linux's idr_alloc_cyclic over [0, END): the first free index after the
// last one handed out, wrapping to 0; -1 when all are taken.
__after_boot static int
free_index(struct ipc_ids *ids, int end)
{
    for (int n = 0, idx = ids->last_idx + 1; n < end; n++, idx++) {
        if (idx >= end)
            idx = 0;
        if (!ipc_find_index(ids, idx))
            return idx;
    }
    return -1;
}

__after_boot long
ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, uint32_t mode)
{
    struct creds *c = &current_proc()->creds;
    int end = MIN(MAX(ids->in_use * 3 / 2, IPC_MIN_CYCLE), IPC_MNI), idx;

    if (ids->in_use >= MIN(ids->limit, IPC_MNI) || (idx = free_index(ids, end)) < 0)
        return -ENOSPC;
    if (grow(ids, idx) < 0)
        return -ENOMEM;
    if (idx <= ids->last_idx && ++ids->seq >= IPC_SEQ_MAX)
        ids->seq = 0;
    ids->last_idx = idx;
    o->seq = ids->seq;
    o->id = (o->seq << IPC_SEQ_SHIFT) + idx;
    o->key = key;
    o->mode = mode;
    o->uid = o->cuid = c->euid;
    o->gid = o->cgid = c->egid;
    ids->objs[idx] = o;
    ids->in_use++;
    ids->max_idx = MAX(ids->max_idx, idx);
    return 0;
}

__after_boot void
ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
    int idx = o->id & (IPC_MNI - 1);

    ids->objs[idx] = NULL;
    ids->in_use--;
    while (ids->max_idx >= 0 && !ids->objs[ids->max_idx])
        ids->max_idx--;
}

__after_boot static struct ipc_obj *
find_key(struct ipc_ids *ids, int32_t key)
{
    for (int i = 0; i <= ids->max_idx; i++)
        if (ids->objs[i] && ids->objs[i]->key == key)
            return ids->objs[i];
    return NULL;
}

__after_boot long
ipc_lookup_key(struct ipc_ids *ids, int32_t key, int flags, struct ipc_obj **out)
{
    *out = NULL;
    if (key == IPC_PRIVATE)
        return 0;
    if (!(*out = find_key(ids, key)))
        return flags & IPC_CREAT ? 0 : -ENOENT;
    return (flags & IPC_CREAT) && (flags & IPC_EXCL) ? -EEXIST : 0;
}

__after_boot long
ipc_open(struct ipc_obj *o, int flags)
{
    return ipc_permitted(o, flags & 0777) ? o->id : -EACCES;
}

// Linux compares the effective uid with the owner and creator, and the
// filesystem gid (in_group_p) with their groups; root has CAP_IPC_OWNER.
__after_boot bool
ipc_permitted(const struct ipc_obj *o, uint32_t mode)
{
    struct creds *c = &current_proc()->creds;
    uint32_t want = (mode >> 6) | (mode >> 3) | mode, granted = o->mode;

    if (c->euid == o->cuid || c->euid == o->uid)
        granted >>= 6;
    else if (creds_in_group(c, o->cgid) || creds_in_group(c, o->gid))
        granted >>= 3;
    return !(want & ~granted & 07) || c->euid == 0;
}

__after_boot bool
ipc_may_change(const struct ipc_obj *o)
{
    uint32_t euid = current_proc()->creds.euid;

    return euid == o->cuid || euid == o->uid || euid == 0;
}

__after_boot long
ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *in)
{
    if (in->uid == (uint32_t)-1 || in->gid == (uint32_t)-1)
        return -EINVAL;
    o->uid = in->uid;
    o->gid = in->gid;
    o->mode = (o->mode & ~0777u) | (in->mode & 0777);
    return 0;
}

__after_boot void
ipc_get_perm(const struct ipc_obj *o, struct ipc64_perm *out)
{
    memset(out, 0, sizeof(*out));
    out->key = o->key;
    out->uid = o->uid;
    out->gid = o->gid;
    out->cuid = o->cuid;
    out->cgid = o->cgid;
    out->mode = o->mode;
    out->seq = o->seq;
}

__after_boot void
ipc_exit(struct proc *p)
{
    sem_exit(p);
    shm_reap();
}
