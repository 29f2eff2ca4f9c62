// AF_NETLINK (net/netlink.c): sockets that talk to the kernel alone, with
// NETLINK_ROUTE's interface and address dumps (net/netlink_route.c). A
// request is answered at once: its replies wait, packed into datagrams, on
// the sending socket's queue until the program receives them.
#pragma once
#include "net/socket.h"
#include <linux/netlink.h>

#define NL_DGRAM_MAX 4096    // a datagram of replies: at most a page, as Go reads

struct nl_dgram {
    struct nl_dgram *next;
    size_t len;
    bool open;               // later replies of the same answer may join it
    uint8_t data[NL_DGRAM_MAX];
};

struct nl_sock {
    struct sock sk;
    struct nl_sock *next_bound;   // the list of bound sockets (port ids)
    uint32_t portid;              // 0 until bound
    uint32_t groups;              // bind's nl_groups, kept (nothing is multicast)
    uint32_t dst_portid;          // connect's
    bool cap_ack;                 // NETLINK_CAP_ACK
    struct nl_dgram *head, *tail; // replies not yet received
};

// Queue the reply MSG (one netlink message, LEN bytes) for NS; FIRST starts a
// new datagram, else it joins the open one when it fits. -ENOMEM or 0.
long nl_queue(struct nl_sock *ns, const void *msg, size_t len, bool first);
// Close the answer being queued: its last datagram takes no more replies.
void nl_queue_end(struct nl_sock *ns);
// Answer one NETLINK_ROUTE request (a whole netlink message, checked to fit)
// on NS: 1 when answered with replies, else 0 or -errno for its
// NLMSG_ERROR (sent for 0 only when NLM_F_ACK asks).
long nl_route_request(struct nl_sock *ns, const struct nlmsghdr *h);

#define NL_MSG_MAX 1024

// One reply being built: a netlink header, a family header, attributes.
struct nl_msg {
    uint8_t buf[NL_MSG_MAX];
    size_t len;
};

// Start M as a reply of TYPE to request H on NS (NLM_F_MULTI when H dumps)
// with a zeroed family header of HDRLEN bytes; return that header.
void *nl_msg_start(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, int type,
                   size_t hdrlen);
// Append attribute TYPE holding LEN bytes of DATA (or a u32 V).
void nl_msg_attr(struct nl_msg *m, int type, const void *data, size_t len);
void nl_msg_u32(struct nl_msg *m, int type, uint32_t v);
// Queue M on NS (nl_queue's FIRST).
void nl_msg_queue(struct nl_msg *m, struct nl_sock *ns, bool first);

// Queue FAMILY's routes (AF_INET or AF_INET6) as RTM_NEWROUTE replies to
// the dump H (net/netlink_rtm_route.c); FIRST as nl_queue's, then false.
void nl_route_dump(struct nl_sock *ns, const struct nlmsghdr *h, int family, bool *first);
// Answer RTM_GETROUTE H for one destination (net/netlink_rtm_get.c): 1,
// or -ENETUNREACH, -EINVAL.
long nl_route_get(struct nl_sock *ns, const struct nlmsghdr *h);

struct netif;
// N's name as Linux programs know it ("lo", "eth0" for lwIP's en0), and
// its IFF_* flags (IFF_LOWER_UP included).
const char *netdev_name(const struct netif *n);
uint32_t netdev_flags(const struct netif *n);
// What an IPv6 address slot of an interface holds (netdev_addr6).
struct netdev_addr6 {
    const uint8_t *addr;          // 16 bytes, network order
    uint8_t prefixlen;
    uint8_t scope;                // RT_SCOPE_HOST, _LINK or _UNIVERSE
    uint32_t flags;               // IFA_F_*
    uint32_t valid, preferred;    // lifetimes in seconds, 0xffffffff: forever
};
// Slot I (0 to LWIP_IPV6_NUM_ADDRESSES - 1, 0 the link-local one) of N:
// false when it holds no valid or tentative address.
bool netdev_addr6(struct netif *n, int i, struct netdev_addr6 *out);
// The SIOCGIF* ioctls any socket of DOMAIN answers (net/netdev_ioctl.c):
// -ENOTTY for another CMD.
long netdev_ioctl(int domain, unsigned int cmd, uint64_t arg);

extern const struct net_family netlink_family;
