// NETLINK_ROUTE's RTM_GETROUTE for one destination (`ip route get ADDR`,
// net/netlink.h): the route Linux's lookup would take among those
// net/netlink_rtm_route.c lists (the local table first, then the longest
// prefix), answered as Linux's rt_fill_info and rt6_fill_node answer it.
#include "net/netlink.h"
#include "net/netlink_rtm.h"
#include "lib/string.h"
#include "sched/proc.h"
#include "lwip/netif.h"
#include "lwip/ip6.h"
#include <asm-generic/errno.h>
#include <linux/rtnetlink.h>

#define RTCF_BROADCAST 0x10000000
#define RTCF_LOCAL     0x80000000

// Whether the first LEN bits of A and B agree.
__after_boot static bool
prefix_match(const uint8_t *a, const uint8_t *b, int len)
{
    int whole = len / 8, rest = len % 8;

    if (memcmp(a, b, whole))
        return false;
    return !rest || ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

// The route to DST: a local table one when any matches, else the longest
// matching prefix; NULL when none does (ENETUNREACH).
__after_boot static const struct route *
lookup(const struct route *rs, int count, const uint8_t *dst)
{
    const struct route *best = NULL;

    for (int i = 0; i < count; i++) {
        const struct route *r = &rs[i];

        if (!prefix_match(r->dst, dst, r->dst_len))
            continue;
        if (!best || (r->table == RT_TABLE_LOCAL && best->table != RT_TABLE_LOCAL) ||
            (r->table == best->table && r->dst_len > best->dst_len))
            best = r;
    }
    return best;
}

__after_boot static int
lo_index(void)
{
    for (struct netif *n = netif_list; n; n = n->next)
        if (n->name[0] == 'l' && n->name[1] == 'o')
            return netif_get_index(n);
    return 1;
}

// The source a packet to DST along R takes: the route's, or the address
// its interface would choose.
__after_boot static void
source(const struct route *r, int family, const uint8_t *dst, uint8_t *src)
{
    struct netif *n = netif_get_by_index((u8_t)r->oif);
    static const uint8_t none[16];
    ip6_addr_t d;

    memcpy(src, r->prefsrc, 16);
    if (!n || memcmp(src, none, family == AF_INET ? 4 : 16))
        return;
    if (family == AF_INET) {
        memcpy(src, &ip_2_ip4(&n->ip_addr)->addr, 4);
        return;
    }
    memcpy(d.addr, dst, 16);
    ip6_addr_clear_zone(&d);
    const ip_addr_t *a = ip6_select_source_address(n, &d);
    if (a)
        memcpy(src, ip_2_ip6(a)->addr, 16);
}

// IPv4's answer: always "table main", flags saying local or broadcast.
__after_boot static void
answer4(struct nl_msg *m, struct rtmsg *rt, const struct route *r, const uint8_t *dst)
{
    struct rta_cacheinfo ci = { 0 };
    uint8_t src[16];

    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_flags = RTM_F_CLONED | (r->type == RTN_LOCAL ? RTCF_LOCAL : 0) |
                    (r->type == RTN_BROADCAST ? RTCF_LOCAL | RTCF_BROADCAST : 0);
    nl_msg_u32(m, RTA_TABLE, RT_TABLE_MAIN);
    nl_msg_attr(m, RTA_DST, dst, 4);
    nl_msg_u32(m, RTA_OIF, r->type == RTN_LOCAL ? lo_index() : r->oif);
    source(r, AF_INET, dst, src);
    nl_msg_attr(m, RTA_PREFSRC, src, 4);
    if (r->gateway[0] | r->gateway[1] | r->gateway[2] | r->gateway[3])
        nl_msg_attr(m, RTA_GATEWAY, r->gateway, 4);
    nl_msg_u32(m, RTA_UID, current_proc()->creds.ruid);
    nl_msg_attr(m, RTA_CACHEINFO, &ci, sizeof(ci));
}

// IPv6's answer: the route's table, protocol and metric, "from ::".
__after_boot static void
answer6(struct nl_msg *m, struct rtmsg *rt, const struct route *r, const uint8_t *dst)
{
    static const uint8_t none[16];
    uint8_t src[16], pref = 0;

    rt->rtm_table = r->table;
    rt->rtm_protocol = r->protocol;
    rt->rtm_src_len = 128;
    nl_msg_u32(m, RTA_TABLE, r->table);
    nl_msg_attr(m, RTA_DST, dst, 16);
    nl_msg_attr(m, RTA_SRC, none, 16);
    nl_msg_u32(m, RTA_PRIORITY, r->metric);
    if (r->type == RTN_LOCAL)
        memcpy(src, dst, 16);
    else
        source(r, AF_INET6, dst, src);
    nl_msg_attr(m, RTA_PREFSRC, src, 16);
    if (memcmp(r->gateway, none, 16))
        nl_msg_attr(m, RTA_GATEWAY, r->gateway, 16);
    nl_msg_u32(m, RTA_OIF, r->type == RTN_LOCAL ? lo_index() : r->oif);
    nl_msg_attr(m, RTA_PREF, &pref, 1);
}

// The destination request H asks about (RTA_DST; none: the any address).
__after_boot static long
wanted(const struct nlmsghdr *h, uint8_t *dst)
{
    const struct rtmsg *q = NLMSG_DATA(h);
    int left = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*q));
    const struct rtattr *a = (const void *)((const uint8_t *)q + NLMSG_ALIGN(sizeof(*q)));
    size_t alen = q->rtm_family == AF_INET ? 4 : 16;

    if (left < 0 || (q->rtm_family != AF_INET && q->rtm_family != AF_INET6))
        return -EINVAL;
    memset(dst, 0, 16);
    for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
        if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) >= alen)
            memcpy(dst, RTA_DATA(a), alen);
    return q->rtm_family;
}

__after_boot long
nl_route_get(struct nl_sock *ns, const struct nlmsghdr *h)
{
    static struct route rs[ROUTES_MAX + 1];     // under the kernel lock
    const struct route *r;
    uint8_t dst[16];
    struct nl_msg m;
    struct rtmsg *rt;
    long family = wanted(h, dst);

    if (family < 0)
        return family;
    if (!(r = lookup(rs, nl_route_collect(rs, (int)family), dst)))
        return -ENETUNREACH;
    rt = nl_msg_start(&m, ns, h, RTM_NEWROUTE, sizeof(*rt));
    rt->rtm_family = (uint8_t)family;
    rt->rtm_dst_len = family == AF_INET ? 32 : 128;
    rt->rtm_type = r->type;
    if (family == AF_INET)
        answer4(&m, rt, r, dst);
    else
        answer6(&m, rt, r, dst);
    nl_msg_queue(&m, ns, true);
    nl_queue_end(ns);
    return 1;
}
