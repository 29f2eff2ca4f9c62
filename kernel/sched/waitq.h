// Wait queues: threads waiting for one thing (a futex word, a pipe's data),
// woken in the order they came. Caller holds the kernel lock.
#pragma once
#include "types.h"
#include "sched/proc.h"

struct waitq;

struct waiter {
    struct thread *t;
    struct waiter *next, *prev;
    struct waitq *q;        // the queue it is on, NULL when on none
    uint64_t key, key_space;   // what the waiter waits for (futex: address, and mm or 0)
    uint32_t bitset;        // FUTEX_WAIT_BITSET's
    bool pi;                // waits in FUTEX_LOCK_PI
};

struct waitq {
    struct waiter *head, *tail;
};

// Sleep on Q until woken, DEADLINE or (INTERRUPTIBLE) a signal; W is the
// caller's, on its stack, with key/bitset filled in if it matters.
enum wake_reason waitq_sleep(struct waitq *q, struct waiter *w, uint64_t deadline,
                             bool interruptible);
void waitq_add(struct waitq *q, struct waiter *w); // at the tail; w->t is the caller's to set
void waitq_remove(struct waiter *w); // off whatever queue it is on
void waitq_wake_one(struct waiter *w); // off its queue, and its thread woken
int waitq_wake_n(struct waitq *q, int n); // the first N; how many were woken
static inline bool
waitq_empty(const struct waitq *q)
{
    return !q->head;
}
