// AF_UNIX sockets (net/unix.h): making them (socket, socketpair), the last
// close (the peer sees end of file or ECONNRESET; a listener's unaccepted
// connections end), shutdown, poll readiness, FIONREAD/SIOCOUTQ and
// SO_PEERCRED, and the operations table, which calls the other unix*.c files.
#include "net/unix.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "sched/proc.h"
#include "sched/wait.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>

static long
check_type(int *type, int protocol)
{
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    if (*type == SOCK_RAW)
        *type = SOCK_DGRAM;      // as Linux: a raw unix socket is a datagram one
    if (*type != SOCK_STREAM && *type != SOCK_DGRAM && *type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    return 0;
}

static long
unix_create(int type, int protocol, uint32_t flags, struct file **out)
{
    struct unix_sock *u;
    long ret = check_type(&type, protocol);

    if (ret < 0)
        return ret;
    if (!(u = unix_sock_new(&unix_ops, type, protocol)))
        return -ENOMEM;
    if (!(*out = sock_file_new(&u->sk, flags))) {
        kfree(u);
        return -ENFILE;
    }
    return 0;
}

// socketpair(2): two sockets connected to each other, each the other's
// SO_PEERCRED being the caller.
static long
unix_pair(int type, int protocol, uint32_t flags, struct file *out[2])
{
    struct unix_sock *a, *b;
    long ret;

    if ((ret = unix_create(type, protocol, flags, &out[0])) < 0)
        return ret;
    if ((ret = unix_create(type, protocol, flags, &out[1])) < 0) {
        file_put(out[0]);
        return ret;
    }
    a = unix_sk(out[0]), b = unix_sk(out[1]);
    a->peer = unix_get(b), b->peer = unix_get(a);
    a->state = b->state = UNIX_CONNECTED;
    a->peercred = b->peercred = unix_current_cred(true);
    a->has_peercred = b->has_peercred = true;
    return 0;
}

static void unix_release_sock(struct unix_sock *u, bool embryo);

// A listener's close: its unaccepted connections end, and their clients
// see ECONNRESET.
static void
unix_drop_pending(struct unix_sock *l)
{
    struct unix_sock *e;

    while ((e = l->acq_head)) {
        l->acq_head = e->acq_next;
        e->acq_next = NULL;
        unix_release_sock(e, true);
    }
    l->acq_tail = NULL;
    l->acq_count = 0;
}

// The end of U (its last close, or a listener's unaccepted connection
// EMBRYO): a connected peer gets end of file, and ECONNRESET when U still
// had unread bytes.
static void
unix_release_sock(struct unix_sock *u, bool embryo)
{
    struct unix_sock *peer = u->peer;

    unix_unbind(u);
    u->dead = true;
    u->shutdown = SHUTDOWN_MASK;
    if (peer && u->sk.type != SOCK_DGRAM) {
        peer->shutdown = SHUTDOWN_MASK;
        if (u->rq_head || embryo)
            peer->sk.error = ECONNRESET;
        unix_wake(peer, POLLIN | POLLOUT);
    }
    u->peer = NULL;
    unix_put(peer);
    if (u->state == UNIX_LISTEN)
        unix_drop_pending(u);
    unix_purge(u);
    wait_poke();
    unix_put(u);
}

static void
unix_release(struct file *f)
{
    unix_release_sock(unix_sk(f), false);
}

static long
unix_shutdown(struct file *f, int how)
{
    struct unix_sock *u = unix_sk(f), *peer = u->peer;
    int mode = (how + 1) & SHUTDOWN_MASK;

    u->shutdown |= mode;
    unix_wake(u, POLLIN | POLLOUT);
    if (peer && u->sk.type != SOCK_DGRAM) {
        peer->shutdown |=
            (mode & RCV_SHUTDOWN ? SEND_SHUTDOWN : 0) | (mode & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0);
        unix_wake(peer, POLLIN | POLLOUT);
    }
    return 0;
}

// unix_writable: a quarter of the send buffer or less in flight.
static bool
writable(struct unix_sock *u)
{
    return u->state != UNIX_LISTEN && u->wmem * 4 <= (size_t)u->sk.sndbuf;
}

static uint32_t
unix_poll(struct file *f)
{
    struct unix_sock *u = unix_sk(f), *peer = u->peer;
    uint32_t mask = 0;

    if (u->sk.error)
        mask |= POLLERR;
    if (u->shutdown == SHUTDOWN_MASK)
        mask |= POLLHUP;
    if (u->shutdown & RCV_SHUTDOWN)
        mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (u->rq_head || u->acq_head)
        mask |= POLLIN | POLLRDNORM;
    if (u->sk.type != SOCK_DGRAM && u->state == UNIX_UNCONNECTED)
        mask |= POLLHUP;
    if (!writable(u))
        return mask;
    if (u->sk.type != SOCK_STREAM && peer && peer->peer != u && peer->rq_count > UNIX_DGRAM_QLEN)
        return mask;
    return mask | POLLOUT | POLLWRNORM | POLLWRBAND;
}

// SIOCINQ: a stream's unread bytes, a datagram socket's next message's length.
static int
bytes_in(struct unix_sock *u)
{
    size_t n = 0;

    if (u->sk.type == SOCK_DGRAM)
        return u->rq_head ? u->rq_head->len : 0;
    for (struct unix_skb *s = u->rq_head; s; s = s->next)
        n += s->len - s->off;
    return MIN(n, 0x7fffffffu);
}

static long
unix_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct unix_sock *u = unix_sk(f);
    int v;

    switch (cmd) {
    case SIOCINQ:
        if (u->state == UNIX_LISTEN)
            return -EINVAL;
        v = bytes_in(u);
        break;
    case SIOCOUTQ:               // LINUX-DIFF: bytes, where Linux counts buffer overhead too
        v = MIN(u->wmem, 0x7fffffffu);
        break;
    default: return -ENOTTY;
    }
    return copy_to_user((void __user *)arg, &v, sizeof(v));
}

static long
unix_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    struct unix_sock *u = unix_sk(f);
    struct ucred c = { 0, (uint32_t)-1, (uint32_t)-1 };

    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    if (name != SO_PEERCRED)
        return -ENOPROTOOPT;
    if (u->has_peercred)
        c = u->peercred;
    memcpy(val, &c, sizeof(c));
    *len = sizeof(c);
    return 0;
}

const struct sock_ops unix_ops = {
    .bind = unix_bind,
    .connect = unix_connect,
    .listen = unix_listen,
    .accept = unix_accept,
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .shutdown = unix_shutdown,
    .getname = unix_getname,
    .getsockopt = unix_getsockopt,
    .ioctl = unix_ioctl,
    .poll = unix_poll,
    .release = unix_release,
};

const struct net_family unix_family = {
    .domain = AF_UNIX,
    .create = unix_create,
    .pair = unix_pair,
};
