// The AF_INET and AF_INET6 families (net/socket.h) over lwIP: socket(2)
// for TCP and UDP, and what both share: names, IP- and TCP-level options,
// wake-ups. TCP is net/inet_tcp*.c, UDP net/inet_udp.c.
#include "net/inet.h"
#include "net/netif.h"
#include "net/socket_abi.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include <asm-generic/errno.h>
#include <linux/in.h>
#include <linux/in6.h>

#define TCP_NODELAY   1
#define TCP_MAXSEG    2
#define TCP_KEEPIDLE  4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT   6
#define TCP_CORK      3
#define TCP_DEFER_ACCEPT 9
#define TCP_QUICKACK  12
#define TCP_USER_TIMEOUT 18

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

// TYPE's protocol: 0 or its own; anything else is EPROTONOSUPPORT, as Linux.
__after_boot static long
inet_create(int domain, int type, int protocol, uint32_t flags, struct file **out)
{
    struct inet_sock *is;
    struct file *f;
    long ret;

    if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        is = inet_sock_new(domain, type, IPPROTO_TCP, &inet_tcp_ops);
    else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
        is = inet_sock_new(domain, type, IPPROTO_UDP, &inet_udp_ops);
    else if (type == SOCK_STREAM || type == SOCK_DGRAM)
        return -EPROTONOSUPPORT;
    else
        return -ESOCKTNOSUPPORT;    // LINUX-DIFF: no SOCK_RAW (Linux: EPERM unprivileged)
    if (!is)
        return -ENOMEM;
    net_stack_init();
    ret = type == SOCK_STREAM ? inet_tcp_create(is) : inet_udp_create(is);
    if (ret < 0) {
        kfree(is);
        return ret;
    }
    if (!(f = sock_file_new(&is->sk, flags))) {
        inet_sock_destroy(is);
        return -ENOMEM;
    }
    *out = f;
    return 0;
}

__after_boot static long
inet4_create(int type, int protocol, uint32_t flags, struct file **out)
{
    return inet_create(AF_INET, type, protocol, flags, out);
}

__after_boot static long
inet6_create(int type, int protocol, uint32_t flags, struct file **out)
{
    return inet_create(AF_INET6, type, protocol, flags, out);
}

// Let go of IS's pcb and queues, and IS: a socket whose file never was.
__after_boot void
inet_sock_destroy(struct inet_sock *is)
{
    if (is->sk.type == SOCK_STREAM)
        inet_tcp_destroy(is);
    else
        inet_udp_destroy(is);
}

const struct net_family inet_family = { .domain = AF_INET, .create = inet4_create };
const struct net_family inet6_family = { .domain = AF_INET6, .create = inet6_create };

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
    bool connected = is->sk.type == SOCK_STREAM ? is->state == INET_CONNECTED
                                                 : is->connected_udp;

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

// IPPROTO_TCP options: TCP_NODELAY and keepalive's timing, kept here and
// given to the pcb (inet_tcp_apply_opts).
// Where the options kept but not acted on are kept.
static int
tcp_kept_slot(int name)
{
    return name == TCP_CORK ? 0 : name == TCP_DEFER_ACCEPT ? 1 : name == TCP_QUICKACK ? 2 : 3;
}

__after_boot static long
tcp_setopt(struct inet_sock *is, int name, int v)
{
    switch (name) {
    case TCP_NODELAY:
        is->nodelay = v != 0;
        break;
    case TCP_KEEPIDLE: case TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return -EINVAL;
        *(name == TCP_KEEPIDLE ? &is->keepidle : &is->keepintvl) = v;
        break;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return -EINVAL;
        is->keepcnt = v;
        break;
    case TCP_MAXSEG:
        return 0;                // LINUX-DIFF: accepted, lwIP's MSS stays
    case TCP_CORK: case TCP_DEFER_ACCEPT: case TCP_QUICKACK: case TCP_USER_TIMEOUT:
        if (name == TCP_USER_TIMEOUT && v < 0)
            return -EINVAL;
        is->kept_tcp[tcp_kept_slot(name)] = name == TCP_CORK || name == TCP_QUICKACK ? v != 0 : v;
        return 0;               // LINUX-DIFF: kept and read back, not acted on (nginx's tcp_nopush sets TCP_CORK)
    default:
        return -ENOPROTOOPT;
    }
    inet_tcp_apply_opts(is);
    return 0;
}

__after_boot long
inet_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
    struct inet_sock *is = inet_sk(f);
    int v;

    if (len < sizeof(int))
        return level == SOL_SOCKET ? -ENOPROTOOPT : -EINVAL;
    memcpy(&v, val, sizeof(v));
    if (level == IPPROTO_TCP && is->sk.type == SOCK_STREAM)
        return tcp_setopt(is, name, v);
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

__after_boot static long
tcp_getopt(struct inet_sock *is, int name, int *v)
{
    switch (name) {
    case TCP_NODELAY:   *v = is->nodelay; return 0;
    case TCP_KEEPIDLE:  *v = is->keepidle; return 0;
    case TCP_KEEPINTVL: *v = is->keepintvl; return 0;
    case TCP_KEEPCNT:   *v = is->keepcnt; return 0;
    case TCP_MAXSEG:    *v = TCP_MSS; return 0;
    case TCP_CORK: case TCP_DEFER_ACCEPT: case TCP_QUICKACK: case TCP_USER_TIMEOUT:
        *v = is->kept_tcp[tcp_kept_slot(name)];
        return 0;
    }
    return -ENOPROTOOPT;
}

__after_boot long
inet_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    struct inet_sock *is = inet_sk(f);
    long ret = -ENOPROTOOPT;
    int v = 0;

    if (level == IPPROTO_TCP && is->sk.type == SOCK_STREAM)
        ret = tcp_getopt(is, name, &v);
    else if (level == IPPROTO_IPV6 && is->sk.domain == AF_INET6 && name == IPV6_V6ONLY)
        ret = (v = is->v6only, 0);
    if (ret < 0)
        return ret;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}
