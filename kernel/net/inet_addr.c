// Addresses between the program's sockaddr_in/sockaddr_in6 and lwIP's
// ip_addr_t, with Linux's checks (lengths, families, v4-mapped IPv6
// addresses on dual-stack sockets), and lwIP's errors as errno.
#include "net/inet.h"
#include "net/socket_abi.h"
#include "lib/string.h"
#include "lwip/err.h"
#include "lwip/netif.h"
#include "lwip/ip4.h"
#include <asm-generic/errno.h>
#include <linux/in.h>
#include <linux/in6.h>

#define SIN6_LEN_RFC2133 24      // sockaddr_in6 without sin6_scope_id

// An AF_INET address: 0 or Linux's errno (inet_bind, tcp_v4_connect).
__after_boot static long
parse4(const struct sockaddr_storage *a, uint32_t len, bool connect, ip_addr_t *ip, uint16_t *port)
{
    struct sockaddr_in sin;

    if (len < sizeof(sin))
        return -EINVAL;
    memcpy(&sin, a, sizeof(sin));
    // bind takes AF_UNSPEC with INADDR_ANY, as Linux's compatibility game
    if (sin.sin_family != AF_INET &&
        (connect || sin.sin_family != AF_UNSPEC || sin.sin_addr.s_addr != 0))
        return -EAFNOSUPPORT;
    ip_addr_set_ip4_u32_val(*ip, sin.sin_addr.s_addr);
    *port = __builtin_bswap16(sin.sin_port);
    return 0;
}

// An AF_INET6 address; ::ffff:a.b.c.d becomes IPv4 unless IPV6_V6ONLY.
__after_boot static long
parse6(const struct inet_sock *is, const struct sockaddr_storage *a, uint32_t len, bool connect,
       ip_addr_t *ip, uint16_t *port)
{
    struct sockaddr_in6 sin6 = { 0 };
    ip6_addr_t *ip6 = ip_2_ip6(ip);

    if (len < SIN6_LEN_RFC2133)
        return -EINVAL;
    memcpy(&sin6, a, MIN(len, sizeof(sin6)));
    if (sin6.sin6_family != AF_INET6)
        return -EAFNOSUPPORT;
    *port = __builtin_bswap16(sin6.sin6_port);
    memset(ip, 0, sizeof(*ip));
    memcpy(ip6->addr, &sin6.sin6_addr, 16);
    IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
    if (ip6_addr_isipv4mappedipv6(ip6)) {
        if (is->v6only)
            return connect ? -ENETUNREACH : -EINVAL;
        ip_addr_set_ip4_u32_val(*ip, ip6->addr[3]);
    }
    return 0;
}

__after_boot long
inet_addr_parse(const struct inet_sock *is, const struct sockaddr_storage *a, uint32_t len,
                bool connect, ip_addr_t *ip, uint16_t *port)
{
    long ret;

    if (is->sk.domain == AF_INET)
        ret = parse4(a, len, connect, ip, port);
    else
        ret = parse6(is, a, len, connect, ip, port);
    // connect to 0.0.0.0 or :: reaches this host, as on Linux
    if (ret == 0 && connect && ip_addr_isany(ip))
        ip_addr_set_loopback(IP_IS_V6(ip), ip);
    return ret;
}

__after_boot uint32_t
inet_addr_make(const struct inet_sock *is, const ip_addr_t *ip, uint16_t port,
               struct sockaddr_storage *a)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = __builtin_bswap16(port) };
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = sin.sin_port };
    uint32_t *w = (uint32_t *)&sin6.sin6_addr;

    memset(a, 0, sizeof(*a));
    if (is->sk.domain == AF_INET) {
        if (ip && IP_IS_V4(ip))
            sin.sin_addr.s_addr = ip_addr_get_ip4_u32(ip);
        memcpy(a, &sin, sizeof(sin));
        return sizeof(sin);
    }
    if (ip && IP_IS_V6(ip)) {
        memcpy(w, ip_2_ip6(ip)->addr, 16);
    } else if (ip && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
        w[2] = __builtin_bswap32(0xffff);
        w[3] = ip_addr_get_ip4_u32(ip);
    }
    memcpy(a, &sin6, sizeof(sin6));
    return sizeof(sin6);
}

__after_boot long
inet_errno(int err)
{
    switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: return -ENOMEM;
    case ERR_BUF: return -ENOBUFS;
    case ERR_TIMEOUT: return -ETIMEDOUT;
    case ERR_RTE: return -ENETUNREACH;
    case ERR_INPROGRESS: return -EINPROGRESS;
    case ERR_WOULDBLOCK: return -EAGAIN;
    case ERR_USE: return -EADDRINUSE;
    case ERR_ALREADY: return -EALREADY;
    case ERR_ISCONN: return -EISCONN;
    case ERR_CONN: return -ENOTCONN;
    case ERR_IF: return -ENETDOWN;
    case ERR_ABRT: return -ECONNABORTED;
    case ERR_RST: return -ECONNRESET;
    case ERR_CLSD: return -ENOTCONN;
    default: return -EINVAL;
    }
}

// May a socket bind IP? The wildcard, loopback, and any interface's own
// address (Linux's EADDRNOTAVAIL otherwise); UDP may bind broadcast and
// multicast addresses too.
__after_boot bool
inet_addr_is_local(const ip_addr_t *ip, bool udp)
{
    struct netif *netif;

    if (ip_addr_isany(ip) || ip_addr_isloopback(ip))
        return true;
    if (udp && (ip_addr_ismulticast(ip) ||
                (IP_IS_V4(ip) && ip4_addr_get_u32(ip_2_ip4(ip)) == IPADDR_BROADCAST)))
        return true;
    NETIF_FOREACH (netif) {
        if (IP_IS_V4(ip) && ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(netif)))
            return true;
        if (IP_IS_V4(ip) && udp && ip4_addr_isbroadcast(ip_2_ip4(ip), netif))
            return true;
        if (IP_IS_V6(ip) && netif_get_ip6_addr_match(netif, ip_2_ip6(ip)) >= 0)
            return true;
    }
    return false;
}

// An IPv4 destination no interface routes (a UDP connect must say so, as
// Linux's does; lwIP's would succeed). lwIP's ip6_route hands any IPv6
// destination to the only interface there is: when that is loopback,
// Linux has no route but to this host.
__after_boot bool
inet_unroutable(const ip_addr_t *ip)
{
    struct netif *only = netif_list;

    if (IP_IS_V4(ip))
        return !ip4_route(ip_2_ip4(ip));
    if (!only || only->next || only->name[0] != 'l' || only->name[1] != 'o')
        return false;
    return !inet_addr_is_local(ip, false);
}
