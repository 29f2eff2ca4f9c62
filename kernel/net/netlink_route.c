// NETLINK_ROUTE's answers (net/netlink.h): RTM_GETLINK and RTM_GETADDR
// dumps of lwIP's interfaces, named as Linux names them ("lo", and "eth0"
// for lwIP's "en0"), with the attributes glibc's getifaddrs, Go's net and
// iproute2 read. Other requests: EOPNOTSUPP.
#include "net/netlink.h"
#include "lib/string.h"
#include "drivers/virtio/virtio_net.h"
#include "lwip/netif.h"
#include <asm-generic/errno.h>
#include <linux/rtnetlink.h>

#define IFF_UP          0x1
#define IFF_BROADCAST   0x2
#define IFF_LOOPBACK    0x8
#define IFF_RUNNING     0x40
#define IFF_MULTICAST   0x1000
#define IFF_LOWER_UP    0x10000
#define ARPHRD_ETHER    1
#define ARPHRD_LOOPBACK 772
#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN    2
#define IF_OPER_UP      6
__after_boot static bool
is_loop(const struct netif *n)
{
    return n->name[0] == 'l' && n->name[1] == 'o';
}

// The name Linux programs expect: lwIP's en0 is eth0.
__after_boot const char *
netdev_name(const struct netif *n)
{
    return is_loop(n) ? "lo" : "eth0";
}

__after_boot uint32_t
netdev_flags(const struct netif *n)
{
    uint32_t f = netif_is_up(n) ? IFF_UP : 0;

    if (netif_is_link_up(n) && netif_is_up(n))
        f |= IFF_RUNNING | IFF_LOWER_UP;
    return f | (is_loop(n) ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
}

// N's counters, 64- and 32-bit (IFLA_STATS64, IFLA_STATS: `ip -s link`,
// getifaddrs' ifa_data): the NIC driver's for eth0; LINUX-DIFF: lo's
// traffic is not counted (zeros).
__after_boot static void
link_stats(struct nl_msg *m, const struct netif *n)
{
    struct rtnl_link_stats64 s64 = { 0 };
    struct rtnl_link_stats s32 = { 0 };
    struct vnet_stats v;

    if (!is_loop(n)) {
        vnet_get_stats(&v);
        s64.rx_packets = v.rx_frames;
        s64.tx_packets = v.tx_frames;
        s64.rx_bytes = v.rx_bytes;
        s64.tx_bytes = v.tx_bytes;
        s64.rx_dropped = v.rx_dropped;
        s64.tx_dropped = v.tx_dropped;
    }
    s32.rx_packets = (uint32_t)s64.rx_packets;
    s32.tx_packets = (uint32_t)s64.tx_packets;
    s32.rx_bytes = (uint32_t)s64.rx_bytes;
    s32.tx_bytes = (uint32_t)s64.tx_bytes;
    s32.rx_dropped = (uint32_t)s64.rx_dropped;
    s32.tx_dropped = (uint32_t)s64.tx_dropped;
    nl_msg_attr(m, IFLA_STATS, &s32, sizeof(s32));
    nl_msg_attr(m, IFLA_STATS64, &s64, sizeof(s64));
}

// RTM_NEWLINK for N: its name, MTU, MAC and broadcast (zeros on lo),
// operational state.
__after_boot static void
link_msg(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, struct netif *n)
{
    struct ifinfomsg *i = nl_msg_start(m, ns, h, RTM_NEWLINK, sizeof(*i));
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    const char *name = netdev_name(n);
    uint8_t zero[6] = { 0 };
    bool loop = is_loop(n);
    uint8_t oper;

    i->ifi_family = AF_UNSPEC;
    i->ifi_type = loop ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
    i->ifi_index = netif_get_index(n);
    i->ifi_flags = netdev_flags(n);
    nl_msg_attr(m, IFLA_IFNAME, name, strlen(name) + 1);
    nl_msg_u32(m, IFLA_TXQLEN, 1000);
    oper = loop ? IF_OPER_UNKNOWN : (i->ifi_flags & IFF_RUNNING) ? IF_OPER_UP : IF_OPER_DOWN;
    nl_msg_attr(m, IFLA_OPERSTATE, &oper, 1);
    nl_msg_attr(m, IFLA_LINKMODE, &(uint8_t){ 0 }, 1);        // "mode DEFAULT"
    nl_msg_u32(m, IFLA_MTU, loop ? 65536 : n->mtu);
    nl_msg_u32(m, IFLA_GROUP, 0);                               // "group default"
    nl_msg_attr(m, IFLA_QDISC, loop ? "noqueue" : "pfifo_fast", loop ? 8 : 11);
    nl_msg_attr(m, IFLA_ADDRESS, loop ? zero : n->hwaddr, 6);
    nl_msg_attr(m, IFLA_BROADCAST, loop ? zero : bcast, 6);
    link_stats(m, n);
}

// The interface REQ asks for (ifi_index, else IFLA_IFNAME); NULL if none.
__after_boot static struct netif *
link_wanted(const struct nlmsghdr *h)
{
    const struct ifinfomsg *i = NLMSG_DATA(h);
    int left = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*i));
    const struct rtattr *a = (const void *)((const uint8_t *)i + NLMSG_ALIGN(sizeof(*i)));

    if (left < 0)
        return NULL;
    if (i->ifi_index > 0)
        return i->ifi_index < 256 ? netif_get_by_index((u8_t)i->ifi_index) : NULL;
    for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        if (a->rta_type != IFLA_IFNAME)
            continue;
        for (struct netif *n = netif_list; n; n = n->next)
            if (!strncmp(RTA_DATA(a), netdev_name(n), RTA_PAYLOAD(a)))
                return n;
    }
    return NULL;
}

__after_boot static long
get_link(struct nl_sock *ns, const struct nlmsghdr *h)
{
    bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    struct nl_msg m;
    struct netif *n;
    int first = 1;

    if (!dump) {
        if (!(n = link_wanted(h)))
            return h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)) ? -EINVAL : -ENODEV;
        link_msg(&m, ns, h, n);
        nl_msg_queue(&m, ns, true);
        nl_queue_end(ns);
        return 1;
    }
    for (int idx = 1; idx < 256; idx++) {
        if (!(n = netif_get_by_index((u8_t)idx)))
            continue;
        link_msg(&m, ns, h, n);
        nl_msg_queue(&m, ns, first);
        first = 0;
    }
    return 0;
}

__after_boot static struct ifaddrmsg *
addr_start(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, struct netif *n,
           int family)
{
    struct ifaddrmsg *a = nl_msg_start(m, ns, h, RTM_NEWADDR, sizeof(*a));

    a->ifa_family = family;
    a->ifa_index = netif_get_index(n);
    return a;
}

// The address's flags and lifetimes in seconds (0xffffffff: forever).
__after_boot static void
addr_end(struct nl_msg *m, uint32_t flags, uint32_t valid, uint32_t preferred)
{
    struct ifa_cacheinfo ci = { .ifa_prefered = preferred, .ifa_valid = valid };

    nl_msg_u32(m, IFA_FLAGS, flags);
    nl_msg_attr(m, IFA_CACHEINFO, &ci, sizeof(ci));
}

// An IPv6 address's lifetime: lwIP's static (0) is forever, as Linux's
// permanent addresses.
__after_boot static uint32_t
life(uint32_t secs)
{
    return secs == IP6_ADDR_LIFE_STATIC ? 0xffffffff : secs;
}

// The bits set in MASK (network order, contiguous).
__after_boot static int
prefix_len(uint32_t mask)
{
    int n = 0;

    for (; mask; mask &= mask - 1)
        n++;
    return n;
}

// N's IPv4 address (none before DHCP gave one): address, broadcast, label.
__after_boot static bool
addr4_msg(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, struct netif *n)
{
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
    uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
    uint32_t bcast = ip | ~mask;
    const char *name = netdev_name(n);
    struct ifaddrmsg *a;

    if (!ip)
        return false;
    a = addr_start(m, ns, h, n, AF_INET);
    a->ifa_prefixlen = prefix_len(mask);
    a->ifa_flags = IFA_F_PERMANENT;
    a->ifa_scope = is_loop(n) ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
    nl_msg_u32(m, IFA_ADDRESS, ip);
    nl_msg_u32(m, IFA_LOCAL, ip);
    if (!is_loop(n))
        nl_msg_u32(m, IFA_BROADCAST, bcast);
    nl_msg_attr(m, IFA_LABEL, name, strlen(name) + 1);
    addr_end(m, IFA_F_PERMANENT, 0xffffffff, 0xffffffff);
    return true;
}

// N's IPv6 address slot I, when it holds a valid (or tentative) address:
// ::1/128 or a /64 (lwIP's prefixes); netlink and /proc/net/if_inet6 say
// the same of it.
__after_boot bool
netdev_addr6(struct netif *n, int i, struct netdev_addr6 *out)
{
    const ip6_addr_t *ip = netif_ip6_addr(n, i);
    uint8_t state = netif_ip6_addr_state(n, i);
    bool ll = ip6_addr_islinklocal(ip), loop = is_loop(n);

    if (!ip6_addr_isvalid(state) && !ip6_addr_istentative(state))
        return false;
    out->addr = (const uint8_t *)ip->addr;
    out->prefixlen = loop ? 128 : 64;
    out->scope = loop ? RT_SCOPE_HOST : ll ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    out->flags = loop || ll ? IFA_F_PERMANENT : 0;
    if (ip6_addr_istentative(state))
        out->flags |= IFA_F_TENTATIVE;
    out->valid = loop || ll ? 0xffffffff : life(netif_ip6_addr_valid_life(n, i));
    out->preferred = loop || ll ? 0xffffffff : life(netif_ip6_addr_pref_life(n, i));
    return true;
}

__after_boot static bool
addr6_msg(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, struct netif *n, int i)
{
    struct netdev_addr6 d;
    struct ifaddrmsg *a;

    if (!netdev_addr6(n, i, &d))
        return false;
    a = addr_start(m, ns, h, n, AF_INET6);
    a->ifa_prefixlen = d.prefixlen;
    a->ifa_flags = (uint8_t)d.flags;
    a->ifa_scope = d.scope;
    nl_msg_attr(m, IFA_ADDRESS, d.addr, 16);
    addr_end(m, d.flags, d.valid, d.preferred);
    return true;
}

// Every address of FAMILY on each interface; IPv6 global ones before the
// link-local one (slot 0), as Linux lists them by scope.
__after_boot static void
get_addr(struct nl_sock *ns, const struct nlmsghdr *h, int family, bool *first)
{
    struct nl_msg m;
    struct netif *n;

    for (int idx = 1; idx < 256; idx++) {
        if (!(n = netif_get_by_index((u8_t)idx)))
            continue;
        if (family == AF_INET && addr4_msg(&m, ns, h, n)) {
            nl_msg_queue(&m, ns, *first);
            *first = false;
        }
        for (int i = LWIP_IPV6_NUM_ADDRESSES - 1; family == AF_INET6 && i >= 0; i--)
            if (addr6_msg(&m, ns, h, n, i)) {
                nl_msg_queue(&m, ns, *first);
                *first = false;
            }
    }
}

// A dump's end: NLMSG_DONE carrying 0, in a datagram of its own after the
// replies (Linux's next dump round finds nothing more and sends it alone: a
// reader that truncated the replies' datagram still gets it).
__after_boot static void
dump_done(struct nl_sock *ns, const struct nlmsghdr *h)
{
    struct nl_msg m;
    int zero = 0;

    nl_msg_start(&m, ns, h, NLMSG_DONE, 0);
    memcpy(m.buf + m.len, &zero, sizeof(zero));
    m.len += sizeof(zero);
    nl_msg_queue(&m, ns, true);
    nl_queue_end(ns);
}

__after_boot long
nl_route_request(struct nl_sock *ns, const struct nlmsghdr *h)
{
    bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP, first = true;
    int family = h->nlmsg_len > NLMSG_HDRLEN ? *(const uint8_t *)NLMSG_DATA(h) : AF_UNSPEC;
    long ret;

    if (h->nlmsg_type == RTM_GETLINK) {
        if ((ret = get_link(ns, h)) != 0)
            return ret;
        first = false;
    } else if (h->nlmsg_type == RTM_GETADDR && dump) {
        if (family != AF_INET6)
            get_addr(ns, h, AF_INET, &first);
        if (family == AF_UNSPEC || family == AF_INET6)
            get_addr(ns, h, AF_INET6, &first);
    } else if (h->nlmsg_type == RTM_GETROUTE && !dump) {
        return nl_route_get(ns, h);
    } else if (h->nlmsg_type == RTM_GETROUTE) {
        if (family != AF_INET6)
            nl_route_dump(ns, h, AF_INET, &first);
        if (family == AF_UNSPEC || family == AF_INET6)
            nl_route_dump(ns, h, AF_INET6, &first);
    } else {
        return -EOPNOTSUPP;     // LINUX-DIFF: no neighbours, rules, changes
    }
    dump_done(ns, h);
    return 1;
}
