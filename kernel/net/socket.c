// The socket layer (net/socket.h): the table of address families, the open
// file every socket is (read and write as messages with no name, poll,
// ioctl, fstat as S_IFSOCK, "socket:[INO]" in /proc/self/fd), and the wait
// every blocking socket op shares (O_NONBLOCK, MSG_DONTWAIT, SO_*TIMEO).
#include "net/socket.h"
#include "net/unix.h"
#include "net/inet.h"
#include "net/netlink.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "sched/wait.h"
#include "drivers/clock.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm/signal.h>
#include <asm/stat.h>
#include <linux/stat.h>

#define SOCKFS_DEV 0x8           // sockfs is the 8th unnamed device on Debian's 6.1

// The families a domain has; other helpers add theirs here.
static const struct net_family *const families[] = {
    &unix_family,
    &inet_family,
    &inet6_family,
    &netlink_family,
};

static uint64_t next_sock_ino = 30000;

static const struct file_ops sock_file_ops;

const struct net_family *
net_family_of(int domain)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (families[i]->domain == domain)
            return families[i];
    return NULL;
}

struct sock *
sock_of(struct file *f)
{
    return f && f->ops == &sock_file_ops ? f->priv : NULL;
}

void
sock_init(struct sock *sk, const struct sock_ops *ops, int domain, int type, int protocol)
{
    struct creds *c = &current_proc()->creds;

    sk->ops = ops;
    sk->domain = domain;
    sk->type = type;
    sk->protocol = protocol;
    sk->ino = next_sock_ino++;
    sk->uid = c->fsuid;
    sk->gid = c->fsgid;
    sk->rcvbuf = sk->sndbuf = SOCK_DEFAULT_BUF;
    sk->rcvlowat = 1;
}

struct file *
sock_file_new(struct sock *sk, uint32_t flags)
{
    struct file *f = kzalloc(sizeof(*f));
    size_t len = 32;

    if (!f || !(f->path = kmalloc(len))) {
        kfree(f);
        return NULL;
    }
    snprintf(f->path, len, "socket:[%lu]", sk->ino);
    f->ops = &sock_file_ops;
    f->refs = 1;
    f->flags = O_RDWR | (flags & O_NONBLOCK);
    f->priv = sk;
    f->edges = &sk->edges;
    return f;
}

void
sock_waiter_init(struct sock_waiter *w, struct file *f, int msg_flags, bool sending)
{
    struct sock *sk = f->priv;
    uint64_t timeo = sending ? sk->sndtimeo_ns : sk->rcvtimeo_ns;

    w->nonblock = (f->flags & O_NONBLOCK) || (msg_flags & MSG_DONTWAIT);
    w->timed = timeo != 0;
    w->deadline = w->timed ? clock_monotonic_ns() + timeo : WAIT_FOREVER;
}

long
sock_wait(struct sock_waiter *w, bool (*ready)(void *), void *arg)
{
    long ret;

    if (ready(arg))
        return 0;
    if (w->nonblock)
        return -EAGAIN;
    ret = wait_event(w->deadline, ready, arg, true);
    if (ret == -ETIMEDOUT)
        return -EAGAIN;
    if (ret < 0)
        return w->timed ? -EINTR : -ERESTARTSYS;
    return 0;
}

static ssize_t
sock_file_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    struct sock_msg m = { .buf = buf, .len = n };
    struct sock *sk = f->priv;

    return sk->ops->recvmsg ? sk->ops->recvmsg(f, &m) : -EINVAL;
}

static ssize_t
sock_file_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    struct sock_msg m = { .buf = (void *)buf, .len = n };

    return sock_sendmsg(f, &m);
}

// A send on a stream whose other end is gone: SIGPIPE unless MSG_NOSIGNAL
// (Linux's seqpacket and datagram sockets give EPIPE alone).
ssize_t
sock_sendmsg(struct file *f, struct sock_msg *m)
{
    struct sock *sk = f->priv;
    ssize_t ret;

    if (!sk->ops->sendmsg)
        return -EOPNOTSUPP;
    ret = sk->ops->sendmsg(f, m);
    if (ret == -EPIPE && !(m->flags & MSG_NOSIGNAL) && sk->type == SOCK_STREAM &&
        !current_thread()->rw_nosignal)
        signal_send(SIGPIPE);
    return ret;
}

static long
sock_file_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct sock *sk = f->priv;
    long ret = sk->ops->ioctl ? sk->ops->ioctl(f, cmd, arg) : -ENOTTY;

    // the interface ioctls, as Linux's sock_do_ioctl falls back to dev_ioctl
    return ret == -ENOTTY ? netdev_ioctl(sk->domain, cmd, arg) : ret;
}

static long
sock_file_stat(struct file *f, struct stat *st)
{
    struct sock *sk = f->priv;

    memset(st, 0, sizeof(*st));
    st->st_dev = SOCKFS_DEV;
    st->st_ino = sk->ino;
    st->st_mode = S_IFSOCK | 0777;
    st->st_nlink = 1;
    st->st_uid = sk->uid;
    st->st_gid = sk->gid;
    st->st_blksize = 4096;
    return 0;
}

static uint32_t
sock_file_poll(struct file *f)
{
    struct sock *sk = f->priv;

    return sk->ops->poll ? sk->ops->poll(f) : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

static void
sock_file_release(struct file *f)
{
    struct sock *sk = f->priv;

    if (sk->ops->release)
        sk->ops->release(f);
    else
        kfree(sk);
}

static const struct file_ops sock_file_ops = {
    .read = sock_file_read,
    .write = sock_file_write,
    .ioctl = sock_file_ioctl,
    .stat = sock_file_stat,
    .poll = sock_file_poll,
    .release = sock_file_release,
};
