// Wait queues (waitq.h): a doubly linked list of waiters on their threads'
// stacks. A waker unlinks the waiter it wakes, so a woken waiter is off the
// queue; one that timed out or took a signal unlinks itself. A waiter may
// move between queues while it sleeps (FUTEX_REQUEUE): it knows its queue.
#include "sched/waitq.h"
#include "sched/sched.h"

__after_boot void
waitq_add(struct waitq *q, struct waiter *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->q = q;
}

__after_boot void
waitq_remove(struct waiter *w)
{
    struct waitq *q = w->q;

    if (!q)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->q = NULL;
}

__after_boot enum wake_reason
waitq_sleep(struct waitq *q, struct waiter *w, uint64_t deadline, bool interruptible)
{
    enum wake_reason why;

    w->t = current_thread();
    waitq_add(q, w);
    why = sched_block(deadline, interruptible);
    waitq_remove(w);
    return why;
}

__after_boot void
waitq_wake_one(struct waiter *w)
{
    waitq_remove(w);
    sched_wake(w->t, WAKE_EVENT);
}

__after_boot int
waitq_wake_n(struct waitq *q, int n)
{
    int woken = 0;

    while (q->head && woken < n) {
        waitq_wake_one(q->head);
        woken++;
    }
    return woken;
}
