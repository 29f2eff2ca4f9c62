// NETLINK_ROUTE's RTM_GETROUTE dumps (net/netlink.h): the routes lwIP's
// interfaces imply, listed as Linux lists them for the same configuration:
// IPv4's main table (the default route, each subnet) then its local table
// (addresses, broadcasts, 127.0.0.0/8), IPv6's prefixes and default router
// then its local addresses and multicast. `ip route` and `ip -6 route` read it.
#include "net/netlink.h"
#include "net/netlink_rtm.h"
#include "lib/string.h"
#include "lwip/netif.h"
#include "lwip/priv/nd6_priv.h"
#include <linux/rtnetlink.h>

#define METRIC_KERNEL6 256      // Linux's metric for an IPv6 prefix route
#define METRIC_RA      1024          // and for a router from an advertisement

// Append to RS (N routes so far) a route of FAMILY to DST/LEN on N.
__after_boot static struct route *
add(struct route *rs, int *count, int family, const void *dst, int len, struct netif *n)
{
    struct route *r = &rs[*count];

    if (*count >= ROUTES_MAX)
        return &rs[ROUTES_MAX];     // a spare slot past the end: written, never sent
    memset(r, 0, sizeof(*r));
    (*count)++;
    r->family = family;
    r->dst_len = len;
    memcpy(r->dst, dst, family == AF_INET ? 4 : 16);
    r->oif = netif_get_index(n);
    r->table = RT_TABLE_MAIN;
    r->protocol = RTPROT_KERNEL;
    r->type = RTN_UNICAST;
    return r;
}

__after_boot static bool
is_lo(const struct netif *n)
{
    return n->name[0] == 'l' && n->name[1] == 'o';
}

// IPv4's local table entry for N: local ADDR/LEN or broadcast ADDR.
__after_boot static void
add_local4(struct route *rs, int *count, struct netif *n, uint32_t addr, int len, int type)
{
    uint32_t src = ip4_addr_get_u32(netif_ip4_addr(n));
    struct route *r = add(rs, count, AF_INET, &addr, len, n);

    r->table = RT_TABLE_LOCAL;
    r->type = type;
    r->scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK;
    memcpy(r->prefsrc, &src, 4);
}

// N's IPv4 routes: the default (when N is the default interface), its
// subnet, and its local table entries.
__after_boot static void
routes4(struct route *rs, int *count, struct netif *n)
{
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n)),
             mask = ip4_addr_get_u32(netif_ip4_netmask(n));
    uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(n)), zero = 0, net = ip & mask;
    int len = 0;
    struct route *r;

    for (uint32_t bits = mask; bits; bits &= bits - 1)
        len++;

    if (!ip)
        return;
    if (n == netif_default && gw) {
        r = add(rs, count, AF_INET, &zero, 0, n);
        r->protocol = RTPROT_BOOT;
        memcpy(r->gateway, &gw, 4);
    }
    if (!is_lo(n)) {
        r = add(rs, count, AF_INET, &net, len, n);
        r->scope = RT_SCOPE_LINK;
        memcpy(r->prefsrc, &ip, 4);
    }
    add_local4(rs, count, n, is_lo(n) ? net : ip, is_lo(n) ? len : 32, RTN_LOCAL);
    if (is_lo(n))
        add_local4(rs, count, n, ip, 32, RTN_LOCAL);
    add_local4(rs, count, n, ip | ~mask, 32, RTN_BROADCAST);
}

// N's IPv6 routes: a /64 per address (not on lo), the default router an
// advertisement gave, each address in the local table, and multicast.
__after_boot static void
routes6(struct route *rs, int *count, struct netif *n)
{
    static const uint8_t ff00[16] = { 0xff };
    struct route *r;

    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
        const ip6_addr_t *a = netif_ip6_addr(n, i);
        uint8_t prefix[16] = { 0 };

        if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i)))
            continue;
        if (!is_lo(n)) {
            memcpy(prefix, a->addr, 8);
            r = add(rs, count, AF_INET6, prefix, 64, n);
            r->metric = METRIC_KERNEL6;
        }
        r = add(rs, count, AF_INET6, a->addr, 128, n);
        r->table = RT_TABLE_LOCAL;
        r->type = RTN_LOCAL;
    }
    for (int i = 0; i < LWIP_ND6_NUM_ROUTERS && !is_lo(n); i++) {
        const struct nd6_router_list_entry *d = &default_router_list[i];
        uint8_t any[16] = { 0 };

        if (!d->neighbor_entry || d->neighbor_entry->netif != n || !d->invalidation_timer)
            continue;
        r = add(rs, count, AF_INET6, any, 0, n);
        r->protocol = RTPROT_RA;
        r->metric = METRIC_RA;
        memcpy(r->gateway, d->neighbor_entry->next_hop_address.addr, 16);
    }
    if (!is_lo(n)) {
        r = add(rs, count, AF_INET6, ff00, 8, n);
        r->table = RT_TABLE_LOCAL;
        r->type = RTN_MULTICAST;
        r->metric = METRIC_KERNEL6;
    }
}

// Linux's order: main table before local, then by destination (IPv6's
// default route after its prefixes, as its tree walk gives).
__after_boot static int
compare(const struct route *a, const struct route *b)
{
    int c;

    if (a->table != b->table)
        return a->table == RT_TABLE_MAIN ? -1 : 1;
    if (a->family == AF_INET6 && (!a->dst_len || !b->dst_len) && a->dst_len != b->dst_len)
        return a->dst_len ? -1 : 1;
    if ((c = memcmp(a->dst, b->dst, a->family == AF_INET ? 4 : 16)) != 0)
        return c;
    return a->dst_len - b->dst_len;
}

__after_boot static void
sort(struct route *rs, int count)
{
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && compare(&rs[j], &rs[j - 1]) < 0; j--) {
            struct route t = rs[j];

            rs[j] = rs[j - 1];
            rs[j - 1] = t;
        }
}

__after_boot static void
route_msg(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, const struct route *r)
{
    struct rtmsg *rt = nl_msg_start(m, ns, h, RTM_NEWROUTE, sizeof(*rt));
    size_t alen = r->family == AF_INET ? 4 : 16;
    static const uint8_t none[16];
    uint8_t pref = 0;           // ICMPV6_ROUTER_PREF_MEDIUM

    rt->rtm_family = r->family;
    rt->rtm_dst_len = r->dst_len;
    rt->rtm_table = r->table;
    rt->rtm_protocol = r->protocol;
    rt->rtm_scope = r->scope;
    rt->rtm_type = r->type;
    nl_msg_u32(m, RTA_TABLE, r->table);
    if (r->dst_len)
        nl_msg_attr(m, RTA_DST, r->dst, alen);
    if (r->family == AF_INET6)
        nl_msg_u32(m, RTA_PRIORITY, r->metric);
    if (memcmp(r->prefsrc, none, alen))
        nl_msg_attr(m, RTA_PREFSRC, r->prefsrc, alen);
    if (memcmp(r->gateway, none, alen))
        nl_msg_attr(m, RTA_GATEWAY, r->gateway, alen);
    nl_msg_u32(m, RTA_OIF, r->oif);
    if (r->family == AF_INET6)
        nl_msg_attr(m, RTA_PREF, &pref, 1);
}

__after_boot int
nl_route_collect(struct route *rs, int family)
{
    int count = 0;

    for (int idx = 1; idx < 256; idx++) {
        struct netif *n = netif_get_by_index((u8_t)idx);

        if (n && family == AF_INET)
            routes4(rs, &count, n);
        else if (n)
            routes6(rs, &count, n);
    }
    sort(rs, count);
    return count;
}

// Queue FAMILY's routes (AF_INET or AF_INET6) for request H on NS.
__after_boot void
nl_route_dump(struct nl_sock *ns, const struct nlmsghdr *h, int family, bool *first)
{
    static struct route rs[ROUTES_MAX + 1];     // under the kernel lock
    struct nl_msg m;
    int count = nl_route_collect(rs, family);

    for (int i = 0; i < count; i++) {
        route_msg(&m, ns, h, &rs[i]);
        nl_msg_queue(&m, ns, *first);
        *first = false;
    }
}
