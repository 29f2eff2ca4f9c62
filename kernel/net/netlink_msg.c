// Building NETLINK_ROUTE replies (net/netlink.h): a netlink header, the
// family's header (ifinfomsg, ifaddrmsg, rtmsg), then rtattr attributes,
// queued on the asking socket by net/netlink.c.
#include "net/netlink.h"
#include "lib/string.h"
#include <linux/rtnetlink.h>

__after_boot void *
nl_msg_start(struct nl_msg *m, struct nl_sock *ns, const struct nlmsghdr *h, int type,
             size_t hdrlen)
{
    struct nlmsghdr *r = (void *)m->buf;

    memset(m->buf, 0, sizeof(m->buf));
    r->nlmsg_type = type;
    r->nlmsg_flags = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ? NLM_F_MULTI : 0;
    r->nlmsg_seq = h->nlmsg_seq;
    r->nlmsg_pid = ns->portid;
    m->len = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
    return NLMSG_DATA(r);
}

__after_boot void
nl_msg_attr(struct nl_msg *m, int type, const void *data, size_t len)
{
    struct rtattr *a = (void *)(m->buf + m->len);

    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    m->len += RTA_SPACE(len);
}

__after_boot void
nl_msg_u32(struct nl_msg *m, int type, uint32_t v)
{
    nl_msg_attr(m, type, &v, sizeof(v));
}

__after_boot void
nl_msg_queue(struct nl_msg *m, struct nl_sock *ns, bool first)
{
    ((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
    nl_queue(ns, m->buf, m->len, first);
}
