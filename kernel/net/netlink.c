// The AF_NETLINK family (net/netlink.h): socket(2) for NETLINK_ROUTE, port
// ids (bind, autobind, getsockname), requests sent to the kernel answered
// by net/netlink_route.c, and the queue of replies read by recvmsg.
#include "net/netif_virtio.h"
#include "net/netlink.h"
#include "net/netif.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>

#define SOL_NETLINK 270

static struct nl_sock *bound;          // every bound socket
static int32_t next_auto = -4096;      // autobind's ids when the pid is taken, as Linux

static const struct sock_ops netlink_ops;

__after_boot static bool
portid_used(uint32_t id)
{
    for (struct nl_sock *s = bound; s; s = s->next_bound)
        if (s->portid == id)
            return true;
    return false;
}

__after_boot static long
do_bind(struct nl_sock *ns, uint32_t id)
{
    if (id == 0) {
        id = (uint32_t)current_proc()->pid;
        while (portid_used(id))
            id = (uint32_t)next_auto--;
    } else if (portid_used(id)) {
        return -EADDRINUSE;
    }
    ns->portid = id;
    ns->next_bound = bound;
    bound = ns;
    return 0;
}

__after_boot static long
nl_addr(const struct sockaddr_storage *a, uint32_t len, struct sockaddr_nl *nl)
{
    if (len < sizeof(*nl))
        return -EINVAL;
    memcpy(nl, a, sizeof(*nl));
    return nl->nl_family == AF_NETLINK ? 0 : -EINVAL;
}

__after_boot static long
nl_bind(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct nl_sock *ns = f->priv;
    struct sockaddr_nl nl;
    long ret = nl_addr(a, len, &nl);

    if (ret < 0)
        return ret;
    if (ns->portid && nl.nl_pid && nl.nl_pid != ns->portid)
        return -EINVAL;
    if (!ns->portid && (ret = do_bind(ns, nl.nl_pid)) < 0)
        return ret;
    // LINUX-DIFF: groups are kept, but no notification is ever sent
    ns->groups = nl.nl_groups;
    return 0;
}

__after_boot static long
nl_connect(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct nl_sock *ns = f->priv;
    struct sockaddr_nl nl;
    long ret;

    if (len >= sizeof(sa_family_t) && a->ss_family == AF_UNSPEC) {
        ns->dst_portid = 0;
        return 0;
    }
    if ((ret = nl_addr(a, len, &nl)) < 0)
        return ret;
    if (!ns->portid && (ret = do_bind(ns, 0)) < 0)
        return ret;
    ns->dst_portid = nl.nl_pid;
    return 0;
}

__after_boot static long
nl_getname(struct file *f, bool peer, struct sockaddr_storage *a, uint32_t *len)
{
    struct nl_sock *ns = f->priv;
    struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

    if (peer) {
        nl.nl_pid = ns->dst_portid;
    } else {
        nl.nl_pid = ns->portid;
        nl.nl_groups = ns->groups;
    }
    memcpy(a, &nl, sizeof(nl));
    *len = sizeof(nl);
    return 0;
}

__after_boot long
nl_queue(struct nl_sock *ns, const void *msg, size_t len, bool first)
{
    struct nl_dgram *d = ns->tail;

    if (first || !d || !d->open || d->len + len > NL_DGRAM_MAX) {
        if (!(d = kmalloc(sizeof(*d))))
            return -ENOMEM;
        d->next = NULL;
        d->len = 0;
        d->open = true;
        if (ns->tail)
            ns->tail->next = d;
        else
            ns->head = d;
        ns->tail = d;
    }
    // LINUX-DIFF: a reply longer than a page still goes whole (ours are short)
    if (len > NL_DGRAM_MAX - d->len)
        len = NL_DGRAM_MAX - d->len;
    memcpy(d->data + d->len, msg, len);
    d->len += len;
    return 0;
}

__after_boot void
nl_queue_end(struct nl_sock *ns)
{
    if (ns->tail)
        ns->tail->open = false;
}

// NLMSG_ERROR for request H: ERR (0 is an ack), with H's payload when an
// error and not NETLINK_CAP_ACK, as Linux's netlink_ack.
__after_boot static void
nl_error(struct nl_sock *ns, const struct nlmsghdr *h, long err)
{
    size_t extra = err && !ns->cap_ack ? h->nlmsg_len - NLMSG_HDRLEN : 0;
    size_t len = NLMSG_HDRLEN + sizeof(struct nlmsgerr) + NLMSG_ALIGN(extra);
    struct nlmsghdr *r = kzalloc(len);
    struct nlmsgerr *e;

    if (!r)
        return;
    r->nlmsg_len = len;
    r->nlmsg_type = NLMSG_ERROR;
    r->nlmsg_flags = extra ? 0 : NLM_F_CAPPED;
    r->nlmsg_seq = h->nlmsg_seq;
    r->nlmsg_pid = ns->portid;
    e = NLMSG_DATA(r);
    e->error = (int)err;
    memcpy(&e->msg, h, NLMSG_HDRLEN + extra);
    nl_queue(ns, r, len, true);
    nl_queue_end(ns);
    kfree(r);
}

// Answer each request in BUF, as Linux's netlink_rcv_skb: a message too
// short or overrunning ends the walk; replies (NLM_F_REQUEST unset) are
// ignored; control messages are only acked.
__after_boot static void
nl_requests(struct nl_sock *ns, const uint8_t *buf, size_t len)
{
    for (size_t off = 0; off + NLMSG_HDRLEN <= len;) {
        const struct nlmsghdr *h = (const void *)(buf + off);
        long ret = 0;

        if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off)
            break;
        if (h->nlmsg_flags & NLM_F_REQUEST) {
            if (h->nlmsg_type >= NLMSG_MIN_TYPE)
                ret = nl_route_request(ns, h);
            if (ret < 0 || (ret == 0 && (h->nlmsg_flags & NLM_F_ACK)))
                nl_error(ns, h, ret);
        }
        off += NLMSG_ALIGN(h->nlmsg_len);
    }
}

__after_boot static ssize_t
nl_sendmsg(struct file *f, struct sock_msg *m)
{
    struct nl_sock *ns = f->priv;
    uint32_t dst = ns->dst_portid;
    struct sockaddr_nl nl;
    long ret;

    if (m->name) {
        if ((ret = nl_addr(m->name, m->namelen, &nl)) < 0)
            return ret;
        if (nl.nl_groups)
            return -EPERM;          // LINUX-DIFF: no multicast sends (Linux: root only)
        dst = nl.nl_pid;
    }
    if (dst != 0)
        return -ECONNREFUSED;       // LINUX-DIFF: only the kernel listens
    if (m->len > (size_t)ns->sk.sndbuf - 32)
        return -EMSGSIZE;
    if (!ns->portid && (ret = do_bind(ns, 0)) < 0)
        return ret;
    nl_requests(ns, m->buf, m->len);
    if (ns->head)
        file_wake(&ns->sk.edges, POLLIN | POLLRDNORM);
    return m->len;
}

__after_boot static bool
nl_ready(void *arg)
{
    return ((struct nl_sock *)arg)->head != NULL;
}

__after_boot static ssize_t
nl_recvmsg(struct file *f, struct sock_msg *m)
{
    struct nl_sock *ns = f->priv;
    struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
    int flags = m->flags;
    struct nl_dgram *d;
    struct sock_waiter w;
    size_t n;
    long ret;

    m->flags = 0;
    sock_waiter_init(&w, f, flags, false);
    if ((ret = sock_wait(&w, nl_ready, ns)) < 0)
        return ret;
    d = ns->head;
    n = MIN(m->len, d->len);
    memcpy(m->buf, d->data, n);
    if (n < d->len)
        m->flags |= MSG_TRUNC;
    if (m->name) {
        memcpy(m->name, &nl, sizeof(nl));
        m->namelen = sizeof(nl);
    }
    ret = flags & MSG_TRUNC ? d->len : n;
    if (!(flags & MSG_PEEK)) {
        if (!(ns->head = d->next))
            ns->tail = NULL;
        kfree(d);
    }
    return ret;
}

__after_boot static uint32_t
nl_poll(struct file *f)
{
    struct nl_sock *ns = f->priv;

    return POLLOUT | POLLWRNORM | (ns->head ? POLLIN | POLLRDNORM : 0);
}

__after_boot static void
nl_release(struct file *f)
{
    struct nl_sock *ns = f->priv;

    for (struct nl_sock **p = &bound; *p; p = &(*p)->next_bound)
        if (*p == ns) {
            *p = ns->next_bound;
            break;
        }
    while (ns->head) {
        struct nl_dgram *d = ns->head;

        ns->head = d->next;
        kfree(d);
    }
    kfree(ns);
}

// SOL_NETLINK's options: taken and read back (NETLINK_CAP_ACK acted on);
// LINUX-DIFF: memberships, NETLINK_EXT_ACK and strict checking change nothing.
__after_boot static long
nl_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
    struct nl_sock *ns = f->priv;
    int v;

    if (level != SOL_NETLINK || name < NETLINK_ADD_MEMBERSHIP || name > NETLINK_GET_STRICT_CHK ||
        name == NETLINK_LIST_MEMBERSHIPS)
        return -ENOPROTOOPT;
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(&v, val, sizeof(v));
    if (name == NETLINK_CAP_ACK)
        ns->cap_ack = v != 0;
    return 0;
}

__after_boot static long
nl_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    struct nl_sock *ns = f->priv;
    int v = 0;

    if (level != SOL_NETLINK)
        return -ENOPROTOOPT;
    if (name != NETLINK_CAP_ACK && name != NETLINK_EXT_ACK && name != NETLINK_PKTINFO &&
        name != NETLINK_NO_ENOBUFS && name != NETLINK_GET_STRICT_CHK)
        return -ENOPROTOOPT;
    if (*len < sizeof(int))
        return -EINVAL;
    if (name == NETLINK_CAP_ACK)
        v = ns->cap_ack;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

static const struct sock_ops netlink_ops = {
    .bind = nl_bind,
    .connect = nl_connect,
    .getname = nl_getname,
    .sendmsg = nl_sendmsg,
    .recvmsg = nl_recvmsg,
    .poll = nl_poll,
    .release = nl_release,
    .setsockopt = nl_setsockopt,
    .getsockopt = nl_getsockopt,
};

// SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE; other protocols EPROTONOSUPPORT.
__after_boot static long
nl_create(int type, int protocol, uint32_t flags, struct file **out)
{
    struct nl_sock *ns;

    if (type != SOCK_RAW && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    if (protocol != NETLINK_ROUTE)
        return -EPROTONOSUPPORT;
    if (!(ns = kzalloc(sizeof(*ns))))
        return -ENOMEM;
    sock_init(&ns->sk, &netlink_ops, AF_NETLINK, type, protocol);
    net_stack_init();           // the interfaces the answers describe
    netif_virtio_start();       // and the NIC, when the manifest says there is one
    if (!(*out = sock_file_new(&ns->sk, flags))) {
        kfree(ns);
        return -ENOMEM;
    }
    return 0;
}

const struct net_family netlink_family = { .domain = AF_NETLINK, .create = nl_create };
