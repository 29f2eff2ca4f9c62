// System V message queues (msg.h). A queue holds messages oldest first; a
// receiver with nothing to take waits on the queue with what it wants, and
// a sender hands a matching message straight to the first such receiver
// (Linux's pipelined_send). A sender finding no room waits until a
// receive makes some, then looks again.
#include "ipc/msg.h"
#include "ipc/ipc.h"
#include "sched/waitq.h"
#include "sched/wait.h"
#include "sched/proc.h"
#include "syscalls/restart.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/ipc.h>

struct msg_queue {
    struct ipc_obj perm;
    struct msg_item *head, *tail;
    unsigned long qnum, cbytes, qbytes;
    int64_t stime, rtime, ctime;
    int lspid, lrpid;
    struct waitq receivers;       // struct msg_receiver, oldest first
    struct waitq senders;         // struct msg_sender
};

// Which messages a receive takes (Linux's SEARCH_*).
enum search { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

// A msgrcv waiting, on its thread's stack.
struct msg_receiver {
    struct waiter w;              // first: the queue links &w
    long type;
    enum search mode;
    size_t maxsize;               // the buffer's size, or any with MSG_NOERROR
    int pid;
    struct msg_item *msg;         // handed over by a sender
    long status;                  // WAITING until settled: 0 (msg), -E2BIG or -EIDRM
};
#define WAITING 1

// A msgsnd waiting for room.
struct msg_sender {
    struct waiter w;
    size_t size;
};

static struct ipc_ids msg_ids = { .max_idx = -1, .last_idx = -1, .limit = MSGMNI };

__after_boot static struct msg_queue *
find(int id)
{
    return (struct msg_queue *)ipc_find_id(&msg_ids, id);
}

__after_boot struct msg_item *
msg_alloc(size_t size)
{
    struct msg_item *m = kmalloc(sizeof(*m) + size);

    if (m)
        m->next = NULL, m->size = size;
    return m;
}

__after_boot void
msg_free(struct msg_item *m)
{
    kfree(m);
}

__after_boot long
msg_get(int32_t key, int flags)
{
    struct ipc_obj *o;
    struct msg_queue *q;
    long ret;

    if ((ret = ipc_lookup_key(&msg_ids, key, flags, &o)) < 0)
        return ret;
    if (o)
        return ipc_open(o, flags);
    if (!(q = kzalloc(sizeof(*q))))
        return -ENOMEM;
    if ((ret = ipc_add(&msg_ids, &q->perm, key, flags & 0777)) < 0) {
        kfree(q);
        return ret;
    }
    q->qbytes = MSGMNB;
    q->ctime = ipc_now();
    return q->perm.id;
}

__after_boot static bool
fits(const struct msg_queue *q, size_t size)
{
    return size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

__after_boot static bool
matches(const struct msg_item *m, long type, enum search mode)
{
    switch (mode) {
    case SEARCH_ANY: return true;
    case SEARCH_EQUAL: return m->type == type;
    case SEARCH_NOTEQUAL: return m->type != type;
    case SEARCH_LESSEQUAL: return m->type <= type;
    default: return false;
    }
}

// Give M to the first receiver waiting for one like it; one whose buffer is
// too small (without MSG_NOERROR) fails with E2BIG on the way.
__after_boot static bool
hand_to_receiver(struct msg_queue *q, struct msg_item *m)
{
    for (struct waiter *w = q->receivers.head, *next; w; w = next) {
        struct msg_receiver *r = (struct msg_receiver *)w;

        next = w->next;
        if (!matches(m, r->type, r->mode))
            continue;
        if (r->maxsize < m->size) {
            r->status = -E2BIG;
            waitq_wake_one(w);
            continue;
        }
        r->msg = m;
        r->status = 0;
        q->lrpid = r->pid;
        q->rtime = ipc_now();
        waitq_wake_one(w);
        return true;
    }
    return false;
}

__after_boot long
msg_send(int id, struct msg_item *m, int flags)
{
    struct msg_queue *q = find(id);

    if (!q)
        return -EINVAL;
    for (;;) {
        struct msg_sender s = { .size = m->size };
        enum wake_reason why;

        if (!ipc_permitted(&q->perm, 0222))
            return -EACCES;
        if (fits(q, m->size))
            break;
        if (flags & IPC_NOWAIT)
            return -EAGAIN;
        why = waitq_sleep(&q->senders, &s.w, WAIT_FOREVER, true);
        if (why == WAKE_SIGNAL)
            return -ERESTARTNOHAND;
        if (!(q = find(id)))
            return -EIDRM;          // ids are not reused at once: gone means removed
    }
    q->lspid = current_proc()->pid;
    q->stime = ipc_now();
    if (hand_to_receiver(q, m))
        return 0;
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->qnum++;
    q->cbytes += m->size;
    return 0;
}

// Room was made: the senders whose message now fits look again.
__after_boot static void
wake_senders(struct msg_queue *q)
{
    for (struct waiter *w = q->senders.head, *next; w; w = next) {
        next = w->next;
        if (fits(q, ((struct msg_sender *)w)->size))
            waitq_wake_one(w);
    }
}

// The link to the message a receive of TYPE in MODE takes, or NULL.
__after_boot static struct msg_item **
find_msg(struct msg_queue *q, long type, enum search mode)
{
    struct msg_item **best = NULL;
    long n = 0;

    for (struct msg_item **pp = &q->head; *pp; pp = &(*pp)->next, n++) {
        if (mode == SEARCH_NUMBER) {
            if (n == type)
                return pp;
        } else if (mode == SEARCH_LESSEQUAL) {
            // The lowest type at or below TYPE, the oldest of those.
            if (matches(*pp, type, mode) && (!best || (*pp)->type < (*best)->type))
                best = pp;
        } else if (matches(*pp, type, mode)) {
            return pp;
        }
    }
    return best;
}

// Take *PREV's message off Q for a receiver.
__after_boot static struct msg_item *
take(struct msg_queue *q, struct msg_item **prev)
{
    struct msg_item *m = *prev, *before = NULL;

    *prev = m->next;
    if (q->tail == m) {
        for (before = q->head; before && before->next; before = before->next)
            ;
        q->tail = before;
    }
    q->qnum--;
    q->cbytes -= m->size;
    q->rtime = ipc_now();
    q->lrpid = current_proc()->pid;
    wake_senders(q);
    return m;
}

// MSG_COPY: a copy of M for a buffer of BUFSZ bytes.
__after_boot static long
copy_of(const struct msg_item *m, size_t bufsz, struct msg_item **out)
{
    if (MIN(bufsz, (size_t)MSGMAX) < m->size)
        return -EINVAL;             // as Linux's copy_msg: the copy's buffer is the smaller
    if (!(*out = msg_alloc(m->size)))
        return -ENOMEM;
    (*out)->type = m->type;
    memcpy((*out)->text, m->text, m->size);
    return 0;
}

// Linux's convert_mode: a negative type asks for the lowest type up to its magnitude.
__after_boot static enum search
search_mode(long *type, int flags)
{
    if (flags & MSG_COPY)
        return SEARCH_NUMBER;
    if (*type == 0)
        return SEARCH_ANY;
    if (*type < 0) {
        *type = *type == INT64_MIN ? INT64_MAX : -*type;
        return SEARCH_LESSEQUAL;
    }
    return flags & MSG_EXCEPT ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

// Wait on Q for a message: 0 with *OUT, an error, or WAITING to look again.
__after_boot static long
wait_for_msg(struct msg_queue *q, struct msg_receiver *r, struct msg_item **out)
{
    enum wake_reason why;

    r->status = WAITING;
    why = waitq_sleep(&q->receivers, &r->w, WAIT_FOREVER, true);
    if (r->status == 0)
        *out = r->msg;
    if (r->status != WAITING)
        return r->status;
    return why == WAKE_SIGNAL ? -ERESTARTNOHAND : WAITING;
}

__after_boot long
msg_receive(int id, size_t bufsz, long type, int flags, struct msg_item **out)
{
    struct msg_receiver r = { .pid = current_proc()->pid };
    struct msg_queue *q;
    struct msg_item **prev;
    long ret;

    if ((flags & MSG_COPY) && ((flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT)))
        return -EINVAL;
    r.mode = search_mode(&type, flags);
    r.type = type;
    r.maxsize = flags & MSG_NOERROR ? SIZE_MAX : bufsz;
    if (!(q = find(id)))
        return -EINVAL;
    for (;;) {
        if (!ipc_permitted(&q->perm, 0444))
            return -EACCES;
        if ((prev = find_msg(q, type, r.mode))) {
            if (bufsz < (*prev)->size && !(flags & MSG_NOERROR))
                return -E2BIG;
            if (flags & MSG_COPY)
                return copy_of(*prev, bufsz, out);
            *out = take(q, prev);
            return 0;
        }
        if (flags & IPC_NOWAIT)
            return -ENOMSG;
        if ((ret = wait_for_msg(q, &r, out)) != WAITING)
            return ret;
    }
}

__after_boot long
msg_stat(int id, int cmd, struct msqid64_ds *out)
{
    struct msg_queue *q =
        (struct msg_queue *)(cmd == IPC_STAT ? ipc_find_id(&msg_ids, id)
                                             : ipc_find_index(&msg_ids, id & (IPC_MNI - 1)));

    if (!q)
        return -EINVAL;
    if (cmd != MSG_STAT_ANY && !ipc_permitted(&q->perm, 0444))
        return -EACCES;
    memset(out, 0, sizeof(*out));
    ipc_get_perm(&q->perm, &out->msg_perm);
    out->msg_stime = q->stime;
    out->msg_rtime = q->rtime;
    out->msg_ctime = q->ctime;
    out->msg_cbytes = q->cbytes;
    out->msg_qnum = q->qnum;
    out->msg_qbytes = q->qbytes;
    out->msg_lspid = q->lspid;
    out->msg_lrpid = q->lrpid;
    return cmd == IPC_STAT ? 0 : q->perm.id;
}

__after_boot int
msg_info(int cmd, struct msginfo *out)
{
    long msgs = 0, bytes = 0;

    for (int i = 0; i <= msg_ids.max_idx; i++) {
        struct msg_queue *q = (struct msg_queue *)ipc_find_index(&msg_ids, i);
        if (q)
            msgs += q->qnum, bytes += q->cbytes;
    }
    memset(out, 0, sizeof(*out));
    out->msgmni = MSGMNI;
    out->msgmax = MSGMAX;
    out->msgmnb = MSGMNB;
    out->msgssz = MSGSSZ;
    out->msgseg = MSGSEG;
    out->msgpool = cmd == MSG_INFO ? msg_ids.in_use : MSGPOOL;
    out->msgmap = cmd == MSG_INFO ? MIN(msgs, INT32_MAX) : MSGMAP;
    out->msgtql = cmd == MSG_INFO ? MIN(bytes, INT32_MAX) : MSGTQL;
    return ipc_max_index(&msg_ids);
}

// The queue IPC_SET or IPC_RMID names, if the caller may change it.
__after_boot static long
owned(int id, struct msg_queue **out)
{
    if (!(*out = find(id)))
        return -EINVAL;
    return ipc_may_change(&(*out)->perm) ? 0 : -EPERM;
}

// Raising a queue's size past MSGMNB takes root (CAP_SYS_RESOURCE);
// waiting receivers and senders look again.
__after_boot long
msg_set(int id, const struct msqid64_ds *in)
{
    struct msg_queue *q;
    long ret;

    if ((ret = owned(id, &q)) < 0)
        return ret;
    if (in->msg_qbytes > MSGMNB && current_proc()->creds.euid != 0)
        return -EPERM;
    if ((ret = ipc_set_perm(&q->perm, &in->msg_perm)) < 0)
        return ret;
    q->qbytes = in->msg_qbytes;
    q->ctime = ipc_now();
    waitq_wake_n(&q->receivers, INT32_MAX);
    wake_senders(q);
    return 0;
}

__after_boot long
msg_remove(int id)
{
    struct msg_queue *q;
    struct msg_item *m;
    long ret;

    if ((ret = owned(id, &q)) < 0)
        return ret;
    for (struct waiter *w; (w = q->receivers.head);) {
        ((struct msg_receiver *)w)->status = -EIDRM;
        waitq_wake_one(w);
    }
    waitq_wake_n(&q->senders, INT32_MAX);
    while ((m = q->head)) {
        q->head = m->next;
        msg_free(m);
    }
    ipc_remove(&msg_ids, &q->perm);
    kfree(q);
    return 0;
}
