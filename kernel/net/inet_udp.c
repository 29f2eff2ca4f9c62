// UDP sockets over lwIP's raw API: each received datagram waits on the
// socket's queue (up to SO_RCVBUF bytes, then dropped as on Linux) with its
// source; sends go out at once. Message boundaries, MSG_TRUNC, connected
// sockets and SO_BROADCAST as Linux.
#include "net/inet.h"
#include "net/netif.h"
#include "net/socket_abi.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "lwip/udp.h"
#include "lwip/pbuf.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm-generic/ioctls.h>
#include <linux/sockios.h>

#define UDP4_MAX 65507          // 65535 less the IPv4 and UDP headers
#define UDP6_MAX 65527          // 65535 less the UDP header

struct inet_dgram {
    struct inet_dgram *next;
    struct pbuf *p;
    ip_addr_t addr;
    uint16_t port;
};

__after_boot static void
udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct inet_sock *is = arg;
    struct inet_dgram *d;

    if (!is || is->dq_bytes + p->tot_len > (size_t)is->sk.rcvbuf ||
        (is->shutdown & INET_RCV_SHUTDOWN) || !(d = kmalloc(sizeof(*d)))) {
        pbuf_free(p);
        return;
    }
    d->next = NULL;
    d->p = p;
    ip_addr_copy(d->addr, *addr);
    d->port = port;
    if (is->dq_tail)
        is->dq_tail->next = d;
    else
        is->dq_head = d;
    is->dq_tail = d;
    is->dq_bytes += p->tot_len;
    inet_wake(is, POLLIN);
}

__after_boot long
inet_udp_create(struct inet_sock *is)
{
    is->udp = udp_new_ip_type(is->sk.domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
    if (!is->udp)
        return -ENOMEM;
    udp_recv(is->udp, udp_recv_cb, is);
    return 0;
}

__after_boot static long
udp_bind_op(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct inet_sock *is = inet_sk(f);
    ip_addr_t ip;
    uint16_t port;
    err_t err;
    long ret;

    if ((ret = inet_addr_parse(is, a, len, false, &ip, &port)) < 0)
        return ret;
    if (is->bound)
        return -EINVAL;
    if (!inet_addr_is_local(&ip, true))
        return -EADDRNOTAVAIL;
    if (is->sk.domain == AF_INET6 && !is->v6only && IP_IS_V6(&ip) && ip_addr_isany(&ip))
        ip_addr_copy(ip, *IP_ANY_TYPE);
    if (is->sk.opts & (SOCK_OPT_REUSEADDR | SOCK_OPT_REUSEPORT))
        ip_set_option(is->udp, SOF_REUSEADDR);
    if ((err = udp_bind(is->udp, &ip, port)) != ERR_OK)
        return inet_errno(err);
    is->bound = true;
    is->udp_port_bound = port != 0;
    return 0;
}

// Connected to IP with no address of its own: take the source the route
// to IP gives (127.0.0.1 for 127.0.0.2, 10.0.2.15 for the gateway), as
// Linux's connect sets inet_saddr, so getsockname names it and only
// datagrams to it are received.
__after_boot static void
udp_take_source(struct inet_sock *is, const ip_addr_t *ip)
{
    struct netif *n;
    const ip_addr_t *src;

    if (!ip_addr_isany(&is->udp->local_ip) || !(n = ip_route(&is->udp->local_ip, ip)))
        return;
    if (!(src = ip_netif_get_local_ip(n, ip)) || ip_addr_isany(src))
        return;
    ip_addr_copy(is->unconnected_ip, is->udp->local_ip);
    ip_addr_copy(is->udp->local_ip, *src);
    is->udp_auto_src = true;
}

// connect(AF_UNSPEC), as Linux's __udp_disconnect: no peer, the source
// address connect took given back, and the port too unless bind chose it:
// a new pcb with bind's address (if any) and no port, as lwIP cannot
// unbind one (the queued datagrams are ours and stay).
__after_boot static long
udp_disconnect_op(struct inet_sock *is)
{
    struct udp_pcb *old = is->udp;

    udp_disconnect(old);
    is->connected_udp = false;
    if (is->udp_auto_src)
        ip_addr_copy(old->local_ip, is->unconnected_ip);
    is->udp_auto_src = false;
    if (!is->bound || is->udp_port_bound)
        return 0;
    if (inet_udp_create(is) < 0) {
        is->udp = old;          // LINUX-DIFF: out of memory, the port stays
        return 0;
    }
    ip_addr_copy(is->udp->local_ip, old->local_ip);
    udp_remove(old);
    is->bound = false;
    return 0;
}

__after_boot static long
udp_connect_op(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct inet_sock *is = inet_sk(f);
    ip_addr_t ip;
    uint16_t port;
    err_t err;
    long ret;

    if (len >= sizeof(sa_family_t) && a->ss_family == AF_UNSPEC)
        return udp_disconnect_op(is);
    if ((ret = inet_addr_parse(is, a, len, true, &ip, &port)) < 0)
        return ret;
    if (inet_unroutable(&ip))
        return -ENETUNREACH;
    if ((err = udp_connect(is->udp, &ip, port)) != ERR_OK)
        return inet_errno(err);
    udp_take_source(is, &ip);
    is->connected_udp = true;
    is->bound = true;
    return 0;
}

// Where a send goes: its own address, or the connected peer's.
__after_boot static long
udp_dest(struct inet_sock *is, struct sock_msg *m, ip_addr_t *ip, uint16_t *port)
{
    long ret;

    if (!m->name) {
        if (!is->connected_udp)
            return -EDESTADDRREQ;
        ip_addr_copy(*ip, is->udp->remote_ip);
        *port = is->udp->remote_port;
        return 0;
    }
    if ((ret = inet_addr_parse(is, m->name, m->namelen, true, ip, port)) < 0)
        return ret;
    if (*port == 0)
        return -EINVAL;
    if (inet_unroutable(ip))
        return -ENETUNREACH;
    if (IP_IS_V4(ip) && !(is->sk.opts & SOCK_OPT_BROADCAST) &&
        ip4_addr_get_u32(ip_2_ip4(ip)) == IPADDR_BROADCAST)
        return -EACCES;
    return 0;
}

__after_boot static ssize_t
udp_sendmsg(struct file *f, struct sock_msg *m)
{
    struct inet_sock *is = inet_sk(f);
    struct pbuf *p;
    ip_addr_t ip;
    uint16_t port;
    err_t err;
    long ret;

    if (is->sk.error) {         // an ICMP error for this connected socket, once
        ret = -is->sk.error;
        is->sk.error = 0;
        return ret;
    }
    if ((ret = udp_dest(is, m, &ip, &port)) < 0)
        return ret;
    if (m->len > (is->sk.domain == AF_INET ? UDP4_MAX : UDP6_MAX))
        return -EMSGSIZE;
    if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->len, PBUF_RAM)))
        return -ENOBUFS;
    memcpy(p->payload, m->buf, m->len);
    err = udp_sendto(is->udp, p, &ip, port);
    pbuf_free(p);
    net_stack_poll();
    if (err != ERR_OK)
        return inet_errno(err);
    is->bound = true;
    return m->len;
}

__after_boot static bool
udp_ready(void *arg)
{
    struct inet_sock *is = arg;

    return is->dq_head || is->sk.error || (is->shutdown & INET_RCV_SHUTDOWN);
}

__after_boot static void
udp_pop(struct inet_sock *is)
{
    struct inet_dgram *d = is->dq_head;

    if (!(is->dq_head = d->next))
        is->dq_tail = NULL;
    is->dq_bytes -= d->p->tot_len;
    pbuf_free(d->p);
    kfree(d);
}

__after_boot static ssize_t
udp_recvmsg(struct file *f, struct sock_msg *m)
{
    struct inet_sock *is = inet_sk(f);
    int flags = m->flags;
    struct inet_dgram *d;
    struct sock_waiter w;
    size_t n, size;
    long ret;

    m->flags = 0;
    sock_waiter_init(&w, f, flags, false);
    if ((ret = sock_wait(&w, udp_ready, is)) < 0)
        return ret;
    if (!(d = is->dq_head)) {
        if (!is->sk.error)
            return 0;           // shut down for reading
        ret = -is->sk.error;
        is->sk.error = 0;
        return ret;
    }
    size = d->p->tot_len;
    n = MIN(m->len, size);
    pbuf_copy_partial(d->p, m->buf, (u16_t)n, 0);
    if (n < size)
        m->flags |= MSG_TRUNC;
    if (m->name)
        m->namelen = inet_addr_make(is, &d->addr, d->port, m->name);
    if (!(flags & MSG_PEEK))
        udp_pop(is);
    return flags & MSG_TRUNC ? size : n;
}

__after_boot static long
udp_shutdown(struct file *f, int how)
{
    struct inet_sock *is = inet_sk(f);

    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    is->shutdown |= how + 1;
    inet_wake(is, POLLIN | POLLOUT);
    return is->connected_udp ? 0 : -ENOTCONN;
}

// Linux's datagram_poll: always writable (datagrams leave at once).
__after_boot static uint32_t
udp_poll(struct file *f)
{
    struct inet_sock *is = inet_sk(f);
    uint32_t mask = POLLOUT | POLLWRNORM | POLLWRBAND;

    if (is->sk.error)
        mask |= POLLERR;
    if (is->shutdown & INET_RCV_SHUTDOWN)
        mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (is->shutdown == (INET_RCV_SHUTDOWN | INET_SEND_SHUTDOWN))
        mask |= POLLHUP;
    if (is->dq_head)
        mask |= POLLIN | POLLRDNORM;
    return mask;
}

// FIONREAD: the next datagram's size, as Linux's udp_ioctl; SIOCOUTQ: 0.
__after_boot static long
udp_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct inet_sock *is = inet_sk(f);
    int v;

    if (cmd == FIONREAD)
        v = is->dq_head ? is->dq_head->p->tot_len : 0;
    else if (cmd == SIOCOUTQ)
        v = 0;
    else
        return -ENOTTY;
    return copy_to_user((void __user *)arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

__after_boot void
inet_udp_destroy(struct inet_sock *is)
{
    while (is->dq_head)
        udp_pop(is);
    if (is->udp)
        udp_remove(is->udp);
    kfree(is);
}

__after_boot static void
udp_release(struct file *f)
{
    inet_udp_destroy(inet_sk(f));
}

const struct sock_ops inet_udp_ops = {
    .bind = udp_bind_op,
    .connect = udp_connect_op,
    .sendmsg = udp_sendmsg,
    .recvmsg = udp_recvmsg,
    .shutdown = udp_shutdown,
    .getname = inet_getname,
    .setsockopt = inet_setsockopt,
    .getsockopt = inet_getsockopt,
    .ioctl = udp_ioctl,
    .poll = udp_poll,
    .release = udp_release,
};
