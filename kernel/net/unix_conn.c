// AF_UNIX connections: connect (a stream or seqpacket connection is made at
// once, as a new socket queued on the listener until accept takes it; a
// datagram socket's default peer), listen and accept. A full backlog makes
// connect wait, or fail EAGAIN when non-blocking (unix(7)).
#include "net/unix.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "sched/wait.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>

__after_boot static bool
backlog_room(void *arg)
{
    struct unix_sock *l = arg;

    return l->dead || l->state != UNIX_LISTEN || l->acq_count <= l->backlog;
}

__after_boot static bool
has_pending(void *arg)
{
    struct unix_sock *l = arg;

    return l->acq_head || l->state != UNIX_LISTEN;
}

// The listener's end of a new connection from U, queued for accept.
static long
queue_embryo(struct unix_sock *u, struct unix_sock *l)
{
    struct unix_sock *e = unix_sock_new(u->sk.ops, u->sk.type, u->sk.protocol);

    if (!e)
        return -ENOMEM;
    e->state = UNIX_CONNECTED;
    e->peer = unix_get(u);
    e->peercred = unix_current_cred(true);
    e->has_peercred = true;
    memcpy(&e->addr, &l->addr, l->addrlen);
    e->addrlen = l->addrlen;
    u->peer = unix_get(e);
    u->peercred = l->peercred;
    u->has_peercred = true;
    u->state = UNIX_CONNECTED;
    if (l->acq_tail)
        l->acq_tail->acq_next = e;
    else
        l->acq_head = e;
    l->acq_tail = e;
    l->acq_count++;
    unix_wake(l, POLLIN);
    unix_wake(u, POLLOUT);
    return 0;
}

// Find the listener, wait for room in its backlog, check our own state:
// Linux's order in unix_stream_connect.
static long
stream_connect(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct unix_sock *u = unix_sk(f), *l;
    struct sock_waiter w;
    long ret;

    if ((ret = unix_check_addr(a, len)) < 0)
        return ret;
    if ((u->sk.opts & SOCK_OPT_PASSCRED) && !u->addrlen)
        unix_autobind(u);
    sock_waiter_init(&w, f, 0, true);
    for (;;) {
        if ((ret = unix_find(a, len, u->sk.type, &l)) < 0)
            return ret;
        if (l->state != UNIX_LISTEN || (l->shutdown & RCV_SHUTDOWN))
            ret = -ECONNREFUSED;
        else if (!backlog_room(l) && (ret = sock_wait(&w, backlog_room, l)) == 0) {
            unix_put(l);
            continue;            // look again: it may have gone
        }
        break;
    }
    if (ret == 0 && u->state == UNIX_CONNECTED)
        ret = -EISCONN;
    else if (ret == 0 && u->state != UNIX_UNCONNECTED)
        ret = -EINVAL;
    if (ret == 0)
        ret = queue_embryo(u, l);
    unix_put(l);
    return ret;
}

// A datagram socket's default peer; AF_UNSPEC removes it. Linux's
// unix_may_send: a peer connected elsewhere refuses (EPERM).
static long
dgram_connect(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct unix_sock *u = unix_sk(f), *other = NULL;
    long ret;

    if (len < sizeof(sa_family_t))
        return -EINVAL;
    if (a->ss_family != AF_UNSPEC) {
        if ((ret = unix_check_addr(a, len)) < 0)
            return ret;
        if ((u->sk.opts & SOCK_OPT_PASSCRED) && !u->addrlen)
            unix_autobind(u);
        if ((ret = unix_find(a, len, u->sk.type, &other)) < 0)
            return ret;
        if (other->peer && other->peer != u) {
            unix_put(other);
            return -EPERM;
        }
    }
    unix_put(u->peer);
    u->peer = other;
    u->state = other ? UNIX_CONNECTED : UNIX_UNCONNECTED;
    unix_wake(u, POLLOUT);
    return 0;
}

long
unix_connect(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    if (unix_sk(f)->sk.type == SOCK_DGRAM)
        return dgram_connect(f, a, len);
    return stream_connect(f, a, len);
}

long
unix_listen(struct file *f, int backlog)
{
    struct unix_sock *u = unix_sk(f);

    if (u->sk.type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!u->addrlen)
        return -EINVAL;
    if (u->state != UNIX_UNCONNECTED && u->state != UNIX_LISTEN)
        return -EINVAL;
    u->backlog = backlog;
    u->state = UNIX_LISTEN;
    u->sk.accepting = true;
    u->peercred = unix_current_cred(true);
    u->has_peercred = true;
    wait_poke();                 // a larger backlog may let connects go on
    return 0;
}

long
unix_accept(struct file *f, uint32_t flags, struct file **out)
{
    struct unix_sock *u = unix_sk(f), *e;
    struct sock_waiter w;
    long ret;

    if (u->sk.type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (u->state != UNIX_LISTEN)
        return -EINVAL;
    sock_waiter_init(&w, f, 0, false);
    if ((ret = sock_wait(&w, has_pending, u)) < 0)
        return ret;
    if (!(e = u->acq_head))
        return -EINVAL;
    if (!(*out = sock_file_new(&e->sk, flags)))
        return -ENFILE;
    u->acq_head = e->acq_next;
    if (!u->acq_head)
        u->acq_tail = NULL;
    e->acq_next = NULL;
    u->acq_count--;
    wait_poke();                 // room in the backlog for a waiting connect
    return 0;
}
