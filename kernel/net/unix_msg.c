// AF_UNIX data: a send copies its bytes into a buffer queued on the peer's
// receive queue and charged to the sender until read (SO_SNDBUF bounds a
// sender; a datagram receiver also holds at most UNIX_DGRAM_QLEN messages
// from senders not connected to it). Streams join buffers on receive;
// datagrams and seqpackets keep each message whole (MSG_TRUNC).
#include "net/unix.h"
#include "net/unix_scm.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "sched/wait.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>

#define STREAM_CHUNK (64 * 1024)

struct send_wait {               // a sender waiting for room
    struct unix_sock *u, *other;
};

static struct unix_skb *
skb_new(struct unix_sock *u, const void *data, size_t len, struct unix_scm *scm)
{
    struct unix_skb *skb = kmalloc(sizeof(*skb) + len);

    if (!skb)
        return NULL;
    memset(skb, 0, sizeof(*skb));
    memcpy(skb->data, data, len);
    skb->len = len;
    skb->charge = len + UNIX_SKB_OVERHEAD;
    skb->sender = unix_get(u);
    u->wmem += skb->charge;
    skb->cred = scm->cred;
    skb->fps = scm->fps, skb->nfps = scm->nfps;      // the files go with the first buffer
    scm->fps = NULL, scm->nfps = 0;
    return skb;
}

static void
enqueue(struct unix_sock *to, struct unix_skb *skb)
{
    if (to->rq_tail)
        to->rq_tail->next = skb;
    else
        to->rq_head = skb;
    to->rq_tail = skb;
    to->rq_bytes += skb->len;
    to->rq_count++;
    unix_wake(to, POLLIN);
}

void
unix_skb_free_head(struct unix_sock *u)
{
    struct unix_skb *skb = u->rq_head;

    u->rq_head = skb->next;
    if (!u->rq_head)
        u->rq_tail = NULL;
    u->rq_bytes -= skb->len;
    u->rq_count--;
    unix_skb_free(skb, u);
}

void
unix_purge(struct unix_sock *u)
{
    while (u->rq_head)
        unix_skb_free_head(u);
}

__after_boot static bool
stream_room(void *arg)
{
    struct send_wait *s = arg;

    return s->other->dead || (s->other->shutdown & RCV_SHUTDOWN) ||
           s->u->wmem < (size_t)s->u->sk.sndbuf;
}

// Queue LEN bytes to U's peer in buffers, waiting for room: the count
// sent, or the error when none was.
static ssize_t
stream_send(struct file *f, struct sock_msg *m, struct unix_scm *scm)
{
    struct unix_sock *u = unix_sk(f);
    struct send_wait s = { u, u->peer };
    struct sock_waiter w;
    size_t sent = 0, step = MIN((size_t)u->sk.sndbuf / 2 - 64, (size_t)STREAM_CHUNK);
    ssize_t ret = 0;

    if (m->name)
        return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    if (!u->peer)
        return -ENOTCONN;
    if (u->shutdown & SEND_SHUTDOWN)
        return -EPIPE;
    sock_waiter_init(&w, f, m->flags, true);
    while (sent < m->len) {
        struct unix_skb *skb;
        size_t n = MIN(m->len - sent, step);
        if ((ret = sock_wait(&w, stream_room, &s)) < 0)
            break;
        if (s.other->dead || (s.other->shutdown & RCV_SHUTDOWN)) {
            ret = -EPIPE;
            break;
        }
        if (!(skb = skb_new(u, (char *)m->buf + sent, n, scm))) {
            ret = -ENOBUFS;
            break;
        }
        enqueue(s.other, skb);
        sent += n;
    }
    return sent ? (ssize_t)sent : ret;
}

__after_boot static bool
dgram_room(void *arg)
{
    struct send_wait *s = arg;
    struct unix_sock *o = s->other;

    if (s->u->wmem >= (size_t)s->u->sk.sndbuf)
        return false;
    return o->dead || o == s->u || o->peer == s->u || o->rq_count <= UNIX_DGRAM_QLEN;
}

// The datagram's destination: the name given, else the peer. Referenced.
static long
dgram_target(struct unix_sock *u, struct sock_msg *m, struct unix_sock **out)
{
    long ret;

    if (m->name)
        return unix_find(m->name, m->namelen, u->sk.type, out);
    if (!u->peer)
        return -ENOTCONN;
    if (u->peer->dead) {         // the peer closed: forget it, as Linux does
        unix_put(u->peer);
        u->peer = NULL;
        return -ECONNREFUSED;
    }
    *out = unix_get(u->peer);
    ret = 0;
    return ret;
}

static ssize_t
dgram_send_to(struct file *f, struct sock_msg *m, struct unix_scm *scm, struct unix_sock *o)
{
    struct unix_sock *u = unix_sk(f);
    struct send_wait s = { u, o };
    struct sock_waiter w;
    struct unix_skb *skb;
    long ret;

    if (o->peer && o->peer != u)
        return -EPERM;
    if (o->shutdown & RCV_SHUTDOWN)
        return -EPIPE;
    sock_waiter_init(&w, f, m->flags, true);
    if ((ret = sock_wait(&w, dgram_room, &s)) < 0)
        return ret;
    if (o->dead)
        return -ECONNREFUSED;
    if (!(skb = skb_new(u, m->buf, m->len, scm)))
        return -ENOBUFS;
    enqueue(o, skb);
    return m->len;
}

static ssize_t
dgram_send(struct file *f, struct sock_msg *m, struct unix_scm *scm)
{
    struct unix_sock *u = unix_sk(f), *o;
    long ret;

    if (u->shutdown & SEND_SHUTDOWN)
        return -EPIPE;
    if (u->sk.type == SOCK_SEQPACKET) {
        if (u->state != UNIX_CONNECTED)
            return -ENOTCONN;
        m->name = NULL;
        if (u->peer->dead)
            return -EPIPE;
    }
    if (m->name && (ret = unix_check_addr(m->name, m->namelen)) < 0)
        return ret;
    if (!m->name && !u->peer)
        return -ENOTCONN;
    if ((u->sk.opts & SOCK_OPT_PASSCRED) && !u->addrlen)
        unix_autobind(u);
    if (m->len + 32 > (size_t)u->sk.sndbuf)
        return -EMSGSIZE;
    if ((ret = dgram_target(u, m, &o)) < 0)
        return ret;
    ret = dgram_send_to(f, m, scm, o);
    unix_put(o);
    return ret;
}

ssize_t
unix_sendmsg(struct file *f, struct sock_msg *m)
{
    struct unix_scm scm;
    ssize_t ret;

    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;      // LINUX-DIFF: no out-of-band byte
    if ((ret = unix_scm_parse(m, &scm)) < 0)
        return ret;
    if (unix_sk(f)->sk.type == SOCK_STREAM)
        ret = stream_send(f, m, &scm);
    else
        ret = dgram_send(f, m, &scm);
    unix_scm_drop(&scm);
    return ret;
}
