// What TCP and UDP sockets share (net/inet.h): creation, wake-ups, names,
// IP-level options. It calls neither net/inet_tcp*.c nor net/inet_udp.c.
#include "net/inet.h"
#include "net/socket_abi.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include <asm-generic/errno.h>
#include <linux/in.h>
#include <linux/in6.h>

__after_boot void
inet_wake(struct inet_sock *is, uint32_t events)
{
    file_wake(&is->sk.edges, events);
}

__after_boot struct inet_sock *
inet_sock_new(int domain, int type, int protocol, const struct sock_ops *ops)
{
    struct inet_sock *is = kzalloc(sizeof(*is));

    if (!is)
        return NULL;
    sock_init(&is->sk, ops, domain, type, protocol);
    is->keepidle = 7200;        // Linux's tcp_keepalive_time, _intvl, _probes
    is->keepintvl = 75;
    is->keepcnt = 9;
    return is;
}

// Copy the pcb's addresses into IS, for when lwIP has freed it.
__after_boot void
inet_snapshot(struct inet_sock *is)
{
    if (is->sk.type == SOCK_STREAM && is->tcp) {
        ip_addr_copy(is->local_ip, is->tcp->local_ip);
        is->local_port = is->tcp->local_port;
        if (is->state != INET_LISTEN) {
            ip_addr_copy(is->remote_ip, is->tcp->remote_ip);
            is->remote_port = is->tcp->remote_port;
        }
    } else if (is->sk.type == SOCK_DGRAM && is->udp) {
        ip_addr_copy(is->local_ip, is->udp->local_ip);
        is->local_port = is->udp->local_port;
        ip_addr_copy(is->remote_ip, is->udp->remote_ip);
        is->remote_port = is->udp->remote_port;
    }
}

// An unbound socket is 0.0.0.0:0 or [::]:0 (a UDP socket a disconnect
// unbound keeps bind's address: 127.0.0.1:0); one with no peer ENOTCONN.
__after_boot long
inet_getname(struct file *f, bool peer, struct sockaddr_storage *a, uint32_t *len)
{
    struct inet_sock *is = inet_sk(f);
    bool connected = is->sk.type == SOCK_STREAM ? is->state == INET_CONNECTED : is->connected_udp;

    inet_snapshot(is);
    if (peer && !connected)
        return -ENOTCONN;
    if (peer)
        *len = inet_addr_make(is, &is->remote_ip, is->remote_port, a);
    else
        *len = inet_addr_make(is, is->bound || !ip_addr_isany(&is->local_ip) ? &is->local_ip : NULL,
                              is->local_port, a);
    return 0;
}

// IPPROTO_IP and IPPROTO_IPV6 options (TCP's own: net/inet_tcp_opt.c).
__after_boot long
inet_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
    struct inet_sock *is = inet_sk(f);
    int v;

    if (len < sizeof(int))
        return level == SOL_SOCKET ? -ENOPROTOOPT : -EINVAL;
    memcpy(&v, val, sizeof(v));
    if (level == IPPROTO_IPV6 && is->sk.domain == AF_INET6 && name == IPV6_V6ONLY) {
        if (is->bound)
            return -EINVAL;
        is->v6only = v != 0;
        return 0;
    }
    if (level == IPPROTO_IP || level == IPPROTO_IPV6)
        return 0;                // LINUX-DIFF: IP_TOS, IP_TTL, multicast... accepted, ignored
    return -ENOPROTOOPT;
}

__after_boot long
inet_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    struct inet_sock *is = inet_sk(f);
    long ret = -ENOPROTOOPT;
    int v = 0;

    if (level == IPPROTO_IPV6 && is->sk.domain == AF_INET6 && name == IPV6_V6ONLY)
        ret = (v = is->v6only, 0);
    if (ret < 0)
        return ret;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}
