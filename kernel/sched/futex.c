// Futexes (futex.h): waiters on 256 hashed queues, matched by key.
// Written from futex(2), set_robust_list(2) and the kernel's
// robust-futex-ABI.rst (the layout of the robust list, which is ABI).
#include "sched/futex.h"
#include "sched/waitq.h"
#include "sched/sched.h"
#include "sched/proc.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "syscalls/restart.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/futex.h>

#define BUCKETS           256
#define ROBUST_LIST_LIMIT 2048      // entries walked at most, as Linux, against a looped list

struct futex_key {
    uint64_t space;     // the mm for a private futex, 0 for a physical address
    uint64_t addr;
};

static struct waitq buckets[BUCKETS];

__after_boot static struct waitq *
bucket(const struct futex_key *k)
{
    uint64_t h = (k->addr >> 2) ^ (k->space >> 6);

    h ^= h >> 17;
    return &buckets[(h * 0x9e3779b97f4a7c15ull) >> 56];
}

__after_boot static bool
key_is(const struct waiter *w, const struct futex_key *k)
{
    return w->key == k->addr && w->key_space == k->space;
}

__after_boot static long
get_key(uint32_t __user *uaddr, bool shared, struct futex_key *k)
{
    struct mm *mm = current_proc()->mm;
    uint64_t a = (uint64_t)uaddr;

    if (a & 3)
        return -EINVAL;
    if (shared) {
        struct vma *v = vma_find(mm, a);
        if (!v)
            return -EFAULT;
        if (v->flags & VMA_SHARED) {
            uint64_t *pte;
            if (user_range_prepare(a, 4, false) < 0 || !(pte = pte_lookup(a, false)))
                return -EFAULT;
            *k = (struct futex_key){ 0, (*pte & PTE_ADDR) | (a & (PAGE_SIZE - 1)) };
            return 0;
        }
    }
    *k = (struct futex_key){ (uint64_t)mm, a };
    return 0;
}

__after_boot long
futex_wait(uint32_t __user *uaddr, bool shared, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    struct futex_key k;
    struct waiter w = { 0 };
    uint32_t cur;
    long ret;

    if (!bitset)
        return -EINVAL;
    if ((ret = get_key(uaddr, shared, &k)) < 0)
        return ret;
    if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    w.key = k.addr;
    w.key_space = k.space;
    w.bitset = bitset;
    switch (waitq_sleep(bucket(&k), &w, deadline, true)) {
    case WAKE_EVENT: return 0;
    case WAKE_TIMEOUT: return -ETIMEDOUT;
    default:
        // Linux restarts an untimed wait (SA_RESTART) and ends a timed one with EINTR.
        return deadline == FUTEX_FOREVER ? -ERESTARTSYS : -EINTR;
    }
}

// Wake up to N waiters on K whose bitset meets BITSET.
__after_boot static int
wake_key(const struct futex_key *k, int n, uint32_t bitset)
{
    struct waitq *q = bucket(k);
    int woken = 0;

    for (struct waiter *w = q->head, *next; w && woken < n; w = next) {
        next = w->next;
        if (!key_is(w, k) || w->pi || !(w->bitset & bitset))
            continue;
        waitq_wake_one(w);
        woken++;
    }
    return woken;
}

__after_boot long
futex_wake(uint32_t __user *uaddr, bool shared, int n, uint32_t bitset)
{
    struct futex_key k;
    long ret;

    if (!bitset)
        return -EINVAL;
    if ((ret = get_key(uaddr, shared, &k)) < 0)
        return ret;
    return wake_key(&k, n, bitset);
}

// Move up to N waiters from K to K2 (FUTEX_REQUEUE): off one queue, onto the other.
__after_boot static int
requeue_key(const struct futex_key *k, const struct futex_key *k2, int n)
{
    struct waitq *q = bucket(k), *q2 = bucket(k2);
    int moved = 0;

    for (struct waiter *w = q->head, *next; w && moved < n; w = next) {
        next = w->next;
        if (!key_is(w, k) || w->pi)
            continue;
        waitq_remove(w);
        w->key = k2->addr;
        w->key_space = k2->space;
        waitq_add(q2, w);
        moved++;
    }
    return moved;
}

__after_boot long
futex_requeue(uint32_t __user *uaddr, bool shared, int nwake, int nrequeue, uint32_t __user *uaddr2,
              bool cmp, uint32_t cmpval)
{
    struct futex_key k, k2;
    uint32_t cur;
    long ret;
    int woken;

    if (nwake < 0 || nrequeue < 0)
        return -EINVAL;
    if ((ret = get_key(uaddr, shared, &k)) < 0 || (ret = get_key(uaddr2, shared, &k2)) < 0)
        return ret;
    if (cmp) {
        if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
            return -EFAULT;
        if (cur != cmpval)
            return -EAGAIN;
    }
    woken = wake_key(&k, nwake, FUTEX_BITSET_MATCH_ANY);
    return woken + requeue_key(&k, &k2, nrequeue);
}

// FUTEX_WAKE_OP's operation on the old value, and its comparison (futex(2)).
__after_boot static uint32_t
wake_op_apply(uint32_t op, uint32_t old)
{
    uint32_t arg = (op >> 12) & 0xfff;

    if (arg & 0x800)
        arg |= 0xfffff000;          // sign-extend the 12 bits
    if ((op >> 28) & FUTEX_OP_OPARG_SHIFT)
        arg = 1u << (arg & 31);
    switch ((op >> 28) & 7) {
    case FUTEX_OP_SET: return arg;
    case FUTEX_OP_ADD: return old + arg;
    case FUTEX_OP_OR: return old | arg;
    case FUTEX_OP_ANDN: return old & ~arg;
    default: return old ^ arg;      // FUTEX_OP_XOR
    }
}

__after_boot static bool
wake_op_cmp(uint32_t op, uint32_t old)
{
    int32_t arg = op & 0xfff, o = old;

    if (arg & 0x800)
        arg |= (int32_t)0xfffff000;
    switch ((op >> 24) & 15) {
    case FUTEX_OP_CMP_EQ: return o == arg;
    case FUTEX_OP_CMP_NE: return o != arg;
    case FUTEX_OP_CMP_LT: return o < arg;
    case FUTEX_OP_CMP_LE: return o <= arg;
    case FUTEX_OP_CMP_GT: return o > arg;
    default: return o >= arg;       // FUTEX_OP_CMP_GE
    }
}

__after_boot long
futex_wake_op(uint32_t __user *uaddr, bool shared, int n, int n2, uint32_t __user *uaddr2,
              uint32_t op)
{
    struct futex_key k, k2;
    uint32_t old, cur;
    long ret;
    int woken;

    if ((ret = get_key(uaddr, shared, &k)) < 0 || (ret = get_key(uaddr2, shared, &k2)) < 0)
        return ret;
    if (((op >> 28) & 7) > FUTEX_OP_XOR || ((op >> 24) & 15) > FUTEX_OP_CMP_GE)
        return -ENOSYS;
    if (copy_from_user(&old, uaddr2, sizeof(old)) < 0)
        return -EFAULT;
    for (;;) {
        if ((ret = user_cmpxchg_u32(uaddr2, old, wake_op_apply(op, old), &cur)) < 0)
            return ret;
        if (cur == old)
            break;
        old = cur;
    }
    woken = wake_key(&k, n, FUTEX_BITSET_MATCH_ANY);
    if (wake_op_cmp(op, old))
        woken += wake_key(&k2, n2, FUTEX_BITSET_MATCH_ANY);
    return woken;
}

// One attempt at a PI lock word: take it if no one holds it (keeping
// FUTEX_OWNER_DIED, and FUTEX_WAITERS if others wait), else mark that
// someone waits. 1: taken, 0: must wait, or an errno.
__after_boot static long
pi_try(uint32_t __user *uaddr, int tid, bool others)
{
    uint32_t old, cur, want;
    long ret;

    if ((ret = copy_from_user(&old, uaddr, sizeof(old))) < 0)
        return ret;
    for (;;) {
        uint32_t owner = old & FUTEX_TID_MASK;
        if (owner == (uint32_t)tid)
            return -EDEADLK;
        if (owner && !thread_find(owner) && !(old & FUTEX_OWNER_DIED))
            return -ESRCH;
        if (!owner || !thread_find(owner))
            want = tid | (old & FUTEX_OWNER_DIED) | (others ? FUTEX_WAITERS : 0);
        else
            want = old | FUTEX_WAITERS;
        if ((ret = user_cmpxchg_u32(uaddr, old, want, &cur)) < 0)
            return ret;
        if (cur == old)
            return (want & FUTEX_TID_MASK) == (uint32_t)tid;
        old = cur;
    }
}

__after_boot static bool
has_pi_waiters(const struct futex_key *k)
{
    for (struct waiter *w = bucket(k)->head; w; w = w->next)
        if (key_is(w, k) && w->pi)
            return true;
    return false;
}

// LINUX-DIFF: no priority inheritance (every thread runs at one priority),
// only the lock protocol: ownership in the word, handed to the first waiter.
__after_boot long
futex_lock_pi(uint32_t __user *uaddr, bool shared, uint64_t deadline, bool try_only)
{
    int tid = current_thread()->tid;
    struct futex_key k;
    long ret;

    if ((ret = get_key(uaddr, shared, &k)) < 0)
        return ret;
    for (;;) {
        struct waiter w = { .key = k.addr, .key_space = k.space, .pi = true };
        uint32_t cur;
        ret = pi_try(uaddr, tid, has_pi_waiters(&k));
        if (ret != 0)
            return ret < 0 ? ret : 0;
        if (try_only)
            return -EAGAIN;
        switch (waitq_sleep(bucket(&k), &w, deadline, true)) {
        case WAKE_TIMEOUT: return -ETIMEDOUT;
        case WAKE_SIGNAL: return -ERESTARTNOINTR;
        default: break;
        }
        if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
            return -EFAULT;
        if ((cur & FUTEX_TID_MASK) == (uint32_t)tid)
            return 0;               // handed over by futex_unlock_pi
    }
}

__after_boot long
futex_unlock_pi(uint32_t __user *uaddr, bool shared)
{
    int tid = current_thread()->tid;
    struct futex_key k;
    struct waitq *q;
    struct waiter *next = NULL;
    uint32_t old, cur, want;
    long ret;

    if ((ret = get_key(uaddr, shared, &k)) < 0)
        return ret;
    if (copy_from_user(&old, uaddr, sizeof(old)) < 0)
        return -EFAULT;
    if ((old & FUTEX_TID_MASK) != (uint32_t)tid)
        return -EPERM;
    q = bucket(&k);
    for (struct waiter *w = q->head; w && !next; w = w->next)
        if (key_is(w, &k) && w->pi)
            next = w;
    for (;;) {
        want = 0;
        if (next) {
            waitq_remove(next);
            want = next->t->tid | (has_pi_waiters(&k) ? FUTEX_WAITERS : 0);
        }
        if ((ret = user_cmpxchg_u32(uaddr, old, want, &cur)) < 0)
            return ret;
        if (cur == old)
            break;
        if (next)
            waitq_add(q, next);     // the word changed under us: try again with it queued
        old = cur;
    }
    if (next)
        sched_wake(next->t, WAKE_EVENT);
    return 0;
}

// The owner died: mark the word and wake one waiter (robust-futex-ABI.rst).
__after_boot static void
futex_owner_died(uint32_t __user *uaddr, int tid, bool pi)
{
    struct futex_key k;
    uint32_t old, cur;

    if (get_key(uaddr, true, &k) < 0 || copy_from_user(&old, uaddr, sizeof(old)) < 0)
        return;
    while ((old & FUTEX_TID_MASK) == (uint32_t)tid) {
        uint32_t want = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (user_cmpxchg_u32(uaddr, old, want, &cur) < 0)
            return;
        if (cur == old)
            break;
        old = cur;
    }
    if ((old & FUTEX_TID_MASK) != (uint32_t)tid || !(old & FUTEX_WAITERS))
        return;
    if (pi) {
        for (struct waiter *w = bucket(&k)->head; w; w = w->next)
            if (key_is(w, &k) && w->pi) {
                waitq_wake_one(w);
                return;
            }
    }
    wake_key(&k, 1, FUTEX_BITSET_MATCH_ANY);
}

__after_boot void
futex_exit_robust(struct thread *t)
{
    struct robust_list_head head;
    uint64_t entry, uhead = t->robust_list;

    if (!uhead || copy_from_user(&head, (void __user *)uhead, sizeof(head)) < 0)
        return;
    entry = (uint64_t)head.list.next;
    for (int n = 0; entry != uhead && n < ROBUST_LIST_LIMIT; n++) {
        uint64_t next;
        if (copy_from_user(&next, (void __user *)(entry & ~1ull), sizeof(next)) < 0)
            break;
        if ((entry & ~1ull) != (uint64_t)head.list_op_pending)
            futex_owner_died((uint32_t __user *)((entry & ~1ull) + head.futex_offset), t->tid,
                             entry & 1);
        entry = next;
    }
    if (head.list_op_pending)
        futex_owner_died(
            (uint32_t __user *)(((uint64_t)head.list_op_pending & ~1ull) + head.futex_offset),
            t->tid, (uint64_t)head.list_op_pending & 1);
}
