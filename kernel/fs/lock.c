// Advisory locks on a node, as fcntl(2) and flock(2) describe them. Record
// locks belong to the process (POSIX) or to an open file (OFD) and conflict
// only across owners, so a process never conflicts with its own POSIX locks;
// flock locks belong to an open file and live apart from record locks.
#include "fs/lock.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "sched/wait.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

static bool
same_space(const struct file_lock *a, const struct file_lock *b)
{
    return (a->kind == LOCK_KIND_FLOCK) == (b->kind == LOCK_KIND_FLOCK);
}

static bool
overlaps(const struct file_lock *a, const struct file_lock *b)
{
    return a->start <= b->end && b->start <= a->end;
}

static bool
conflicts(const struct file_lock *req, const struct file_lock *held)
{
    if (!same_space(req, held) || req->owner == held->owner || !overlaps(req, held))
        return false;
    return req->type == F_WRLCK || held->type == F_WRLCK;
}

// The first lock of another owner that REQ conflicts with, or NULL.
struct file_lock *
lock_find_conflict(struct vnode *vn, const struct file_lock *req)
{
    for (struct file_lock *l = vn->locks; l; l = l->next)
        if (conflicts(req, l))
            return l;
    return NULL;
}

static struct file_lock *
lock_copy(const struct file_lock *src, uint64_t start, uint64_t end)
{
    struct file_lock *l = kmalloc(sizeof(*l));

    if (l) {
        *l = *src;
        l->start = start, l->end = end;
    }
    return l;
}

// Insert L keeping the list sorted by start.
static void
insert_sorted(struct vnode *vn, struct file_lock *l)
{
    struct file_lock **pp = &vn->locks;

    while (*pp && (*pp)->start < l->start)
        pp = &(*pp)->next;
    l->next = *pp;
    *pp = l;
}

// Take [start, end] out of OWNER's locks of KIND, splitting those that straddle it.
static long
carve(struct vnode *vn, const struct file_lock *req)
{
    struct file_lock **pp = &vn->locks, *l, *right;

    while ((l = *pp)) {
        if (l->owner != req->owner || l->kind != req->kind || !overlaps(l, req)) {
            pp = &l->next;
            continue;
        }
        if (l->end > req->end) {
            if (!(right = lock_copy(l, req->end + 1, l->end)))
                return -ENOMEM;
            right->next = l->next;
            l->next = right;
        }
        if (l->start < req->start) {
            l->end = req->start - 1;
            pp = &l->next;
        } else {
            *pp = l->next;
            kfree(l);
        }
    }
    return 0;
}

// Join OWNER's locks of one type that touch or overlap, as Linux does.
static void
merge(struct vnode *vn, const struct file_lock *req)
{
    for (struct file_lock *a = vn->locks; a; a = a->next) {
        struct file_lock **pp = &a->next, *b;
        while ((b = *pp)) {
            bool touch = a->end == LOCK_OFFSET_MAX || b->start <= a->end + 1;
            if (b->owner != req->owner || b->kind != req->kind || b->type != a->type ||
                a->owner != req->owner || a->kind != req->kind || !touch) {
                pp = &b->next;
                continue;
            }
            a->end = MAX(a->end, b->end);
            *pp = b->next;
            kfree(b);
        }
    }
}

// Set, change or (F_UNLCK) remove REQ's owner's lock over REQ's range;
// -EAGAIN when another owner holds a conflicting lock.
long
lock_set_record(struct vnode *vn, const struct file_lock *req)
{
    struct file_lock *l;
    long ret;

    if (req->type != F_UNLCK && lock_find_conflict(vn, req))
        return -EAGAIN;
    if ((ret = carve(vn, req)) < 0)
        return ret;
    wait_poke();            // a waiter's range may be free now
    if (req->type == F_UNLCK)
        return 0;
    if (!(l = lock_copy(req, req->start, req->end)))
        return -ENOMEM;
    insert_sorted(vn, l);
    merge(vn, req);
    return 0;
}

// flock(2): an open file's one lock on the whole node. Changing it drops the
// old lock first, so a refused change leaves none (Linux does the same).
long
lock_set_flock(struct vnode *vn, const struct file_lock *req)
{
    struct file_lock **pp, *l;

    for (pp = &vn->locks; (l = *pp); pp = &l->next) {
        if (l->kind != LOCK_KIND_FLOCK || l->owner != req->owner)
            continue;
        if (l->type == req->type)
            return 0;
        *pp = l->next;
        kfree(l);
        wait_poke();
        break;
    }
    if (req->type == F_UNLCK)
        return 0;
    if (lock_find_conflict(vn, req))
        return -EAGAIN;
    if (!(l = lock_copy(req, 0, LOCK_OFFSET_MAX)))
        return -ENOMEM;
    insert_sorted(vn, l);
    return 0;
}

// Drop every lock OWNER holds on VN: a process's POSIX locks when it closes
// any descriptor of the node; a file's OFD and flock locks when it goes.
void
lock_release(struct vnode *vn, const void *owner)
{
    struct file_lock **pp = &vn->locks, *l;

    while ((l = *pp)) {
        if (l->owner == owner) {
            *pp = l->next;
            kfree(l);
            wait_poke();
        } else {
            pp = &l->next;
        }
    }
}
