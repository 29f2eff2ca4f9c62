// AF_UNIX receives: a stream joins its buffers up to the length asked
// (MSG_WAITALL waits for all of it; files and, with SO_PASSCRED, a change
// of sender end the read), a datagram or seqpacket socket takes one
// message (MSG_TRUNC). MSG_PEEK leaves the queue as it was.
#include "net/unix.h"
#include "net/unix_scm.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>

__after_boot static bool
readable(void *arg)
{
    struct unix_sock *u = arg;

    return u->rq_head || u->sk.error || (u->shutdown & RCV_SHUTDOWN);
}

// The files SKB carries, for the receiver: taken, or new references on a peek.
static void
take_files(struct unix_skb *skb, struct unix_scm *scm, bool peek)
{
    scm->fps = kmalloc(sizeof(struct file *) * skb->nfps);
    if (!scm->fps)
        return;
    for (int i = 0; i < skb->nfps; i++)
        scm->fps[i] = peek ? file_get(skb->fps[i]) : skb->fps[i];
    scm->nfps = skb->nfps;
    if (!peek) {
        kfree(skb->fps);
        skb->fps = NULL;
        skb->nfps = 0;
    }
}

static void
sender_name(struct unix_skb *skb, struct sock_msg *m)
{
    struct unix_sock *s = skb->sender;

    if (m->name && s && s->addrlen) {
        memcpy(m->name, &s->addr, s->addrlen);
        m->namelen = s->addrlen;
    }
}

static bool
same_cred(const struct ucred *a, const struct ucred *b)
{
    return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

// Copy from SKB (its unread bytes from AT) into M at *COPIED; returns
// whether the read must stop after it (files came).
static bool
stream_take(struct unix_sock *u, struct unix_skb *skb, size_t at, struct sock_msg *m,
            size_t *copied, struct unix_scm *scm, bool peek)
{
    size_t n = MIN(skb->len - at, m->len - *copied);
    bool files = skb->nfps > 0;

    memcpy((char *)m->buf + *copied, skb->data + at, n);
    *copied += n;
    if (files)
        take_files(skb, scm, peek);
    if (peek)
        return files;
    skb->off += n;
    if (skb->off == skb->len)
        unix_skb_free_head(u);
    return files;
}

// Wait for bytes when none are queued: 0 to look again, 1 to end the read
// (end of file), or an error.
static long
stream_wait(struct unix_sock *u, struct sock_waiter *w)
{
    long err;

    if (u->sk.error) {
        err = -u->sk.error;
        u->sk.error = 0;
        return err;
    }
    if (u->shutdown & RCV_SHUTDOWN)
        return 1;
    return sock_wait(w, readable, u);
}

// A receive of no bytes: wait until something is queued, then take nothing.
static long
stream_wait_empty(struct unix_sock *u, struct sock_waiter *w)
{
    long ret;

    while (!u->rq_head)
        if ((ret = stream_wait(u, w)) != 0)
            return ret;
    return 0;
}

static ssize_t
stream_recv(struct file *f, struct sock_msg *m, int flags, struct unix_scm *scm)
{
    struct unix_sock *u = unix_sk(f);
    bool peek = flags & MSG_PEEK, passcred = u->sk.opts & SOCK_OPT_PASSCRED, got = false;
    size_t target = flags & MSG_WAITALL ? m->len : MIN((size_t)u->sk.rcvlowat, m->len);
    struct unix_skb *skb = NULL;
    struct sock_waiter w;
    size_t copied = 0;
    long ret = 0;

    if (u->state != UNIX_CONNECTED)
        return -EINVAL;
    sock_waiter_init(&w, f, flags, false);
    if (m->len == 0) {           // Linux waits for a byte even then (sock_rcvlowat's 1)
        ret = stream_wait_empty(u, &w);
        return ret == 1 ? 0 : ret;
    }
    while (copied < m->len) {
        size_t at;
        skb = peek ? (got ? skb->next : u->rq_head) : u->rq_head;
        if (!skb) {
            if (copied >= target || (peek && got))
                break;
            if ((ret = stream_wait(u, &w)) != 0)
                break;
            continue;
        }
        if (got && passcred && !same_cred(&skb->cred, &scm->cred))
            break;
        if (!got)
            sender_name(skb, m);
        scm->cred = skb->cred;
        got = true;
        at = skb->off;
        if (stream_take(u, skb, at, m, &copied, scm, peek))
            break;
    }
    if (ret == 1)
        ret = 0;
    return copied ? (ssize_t)copied : ret;
}

// One message: the bytes that fit, MSG_TRUNC when it was longer.
static ssize_t
dgram_recv(struct file *f, struct sock_msg *m, int flags, struct unix_scm *scm, int *out_flags)
{
    struct unix_sock *u = unix_sk(f);
    struct sock_waiter w;
    struct unix_skb *skb;
    size_t n;
    long ret;

    if (u->sk.type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED)
        return -ENOTCONN;
    sock_waiter_init(&w, f, flags, false);
    if ((ret = sock_wait(&w, readable, u)) < 0)
        return ret;
    if (!(skb = u->rq_head)) {
        if (u->sk.error) {
            ret = -u->sk.error;
            u->sk.error = 0;
            return ret;
        }
        return 0;
    }
    n = MIN(skb->len, m->len);
    memcpy(m->buf, skb->data, n);
    sender_name(skb, m);
    scm->cred = skb->cred;
    if (skb->nfps)
        take_files(skb, scm, flags & MSG_PEEK);
    if (skb->len > m->len)
        *out_flags |= MSG_TRUNC;
    ret = flags & MSG_TRUNC ? skb->len : n;
    if (!(flags & MSG_PEEK))
        unix_skb_free_head(u);
    return ret;
}

ssize_t
unix_recvmsg(struct file *f, struct sock_msg *m)
{
    struct unix_sock *u = unix_sk(f);
    struct unix_scm scm = { 0 };
    size_t room = m->control ? m->controllen : 0;
    int flags = m->flags, out = 0;
    ssize_t ret;

    if (flags & MSG_OOB)
        return u->sk.type == SOCK_STREAM ? -EINVAL : -EOPNOTSUPP;
    m->namelen = 0;
    if (u->sk.type == SOCK_STREAM)
        ret = stream_recv(f, m, flags, &scm);
    else
        ret = dgram_recv(f, m, flags, &scm, &out);
    m->flags = out;
    m->controllen = 0;
    if (ret >= 0)
        unix_scm_put(m, room, &scm, u->sk.opts & SOCK_OPT_PASSCRED, flags & MSG_CMSG_CLOEXEC);
    else
        unix_scm_drop(&scm);
    return ret;
}
