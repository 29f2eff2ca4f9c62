// TCP sockets over lwIP's raw API: lwIP's callbacks (data, room, errors,
// new connections), bind, listen, accept, connect, options and close.
// Sending, receiving, poll and shutdown are net/inet_tcp_io.c.
#include "net/inet.h"
#include "net/netif.h"
#include "net/socket_abi.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include "log.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include <linux/in.h>
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>

static void tcp_setup(struct inet_sock *is, struct tcp_pcb *pcb);

// Data came (P), or the peer's FIN (P NULL): queue it for the program. The
// ACK goes at once (Linux's quick ACKs on loopback): lwIP's delayed ACK
// would hold a Nagle-delayed sender for up to 250 ms.
__after_boot static err_t
tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct inet_sock *is = arg;
    struct pbuf *q;

    if (!p) {
        is->shutdown |= INET_RCV_SHUTDOWN;
        is->done = true;
    } else {
        for (q = p; q; q = q->next)
            is->rx_bytes += q->len;
        if (is->rx_tail)
            is->rx_tail->next = p;
        else
            is->rx = p;
        for (q = p; q->next; q = q->next)
            ;
        is->rx_tail = q;
        tcp_ack_now(pcb);
    }
    inet_wake(is, POLLIN);
    return ERR_OK;
}

__after_boot static err_t
tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    inet_wake(arg, POLLOUT);
    return ERR_OK;
}

// lwIP freed the pcb: a reset (ECONNREFUSED while connecting), a timeout,
// or both ends closed (ERR_CLSD: no error).
__after_boot static void
tcp_err_cb(void *arg, err_t err)
{
    struct inet_sock *is = arg;

    is->tcp = NULL;
    if (err != ERR_CLSD) {
        if (err != ERR_RST)
            is->sk.error = ETIMEDOUT;
        else if (is->state == INET_CONNECTING)
            is->sk.error = ECONNREFUSED;
        else    // a reset after the peer's FIN is Linux's EPIPE
            is->sk.error = is->shutdown & INET_RCV_SHUTDOWN ? EPIPE : ECONNRESET;
        is->state = INET_CLOSED;
    }
    is->shutdown = INET_RCV_SHUTDOWN | INET_SEND_SHUTDOWN;
    inet_wake(is, POLLIN | POLLOUT);
}

__after_boot static err_t
tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct inet_sock *is = arg;

    is->state = INET_CONNECTED;
    inet_snapshot(is);
    inet_wake(is, POLLOUT);
    return ERR_OK;
}

// A connection completed on listener ARG: queue it for accept(). Its
// socket is made now (so it can receive before accept) and gets its file,
// inode and owner at accept, in the accepting process.
__after_boot static err_t
tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct inet_sock *ls = arg, *is;

    if (err != ERR_OK || !pcb || !ls)
        return ERR_VAL;
    if (!(is = kzalloc(sizeof(*is)))) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    is->sk.type = SOCK_STREAM;
    is->sk.domain = ls->sk.domain;
    is->state = INET_CONNECTED;
    is->bound = true;
    is->listener = ls;
    tcp_setup(is, pcb);
    tcp_backlog_delayed(pcb);   // counts against the backlog until accepted
    inet_snapshot(is);
    if (ls->accept_tail)
        ls->accept_tail->accept_next = is;
    else
        ls->accept_head = is;
    ls->accept_tail = is;
    ls->accept_len++;
    inet_wake(ls, POLLIN);
    return ERR_OK;
}

// lwIP frees a pcb without a callback when it leaves TIME_WAIT: this one
// tells the socket still pointing at it.
__after_boot static void
tcp_pcb_destroyed(u8_t id, void *data)
{
    struct inet_sock *is = data;

    if (is)
        is->tcp = NULL;
}

static const struct tcp_ext_arg_callbacks tcp_ext_callbacks = { .destroy = tcp_pcb_destroyed };
static u8_t tcp_ext_id = LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID;

__after_boot static void
tcp_setup(struct inet_sock *is, struct tcp_pcb *pcb)
{
    if (tcp_ext_id == LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID)
        tcp_ext_id = tcp_ext_arg_alloc_id();
    is->tcp = pcb;
    tcp_ext_arg_set_callbacks(pcb, tcp_ext_id, &tcp_ext_callbacks);
    tcp_ext_arg_set(pcb, tcp_ext_id, is);
    tcp_arg(pcb, is);
    tcp_recv(pcb, tcp_recv_cb);
    tcp_sent(pcb, tcp_sent_cb);
    tcp_err(pcb, tcp_err_cb);
}

// IPv4 sockets make IPv4 pcbs; IPv6 ones dual-stack pcbs, narrowed at bind.
__after_boot static struct tcp_pcb *
tcp_pcb_new(struct inet_sock *is)
{
    struct tcp_pcb *pcb;

    pcb = tcp_new_ip_type(is->sk.domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
    if (pcb)
        tcp_setup(is, pcb);
    return pcb;
}

__after_boot long
inet_tcp_create(struct inet_sock *is)
{
    return tcp_pcb_new(is) ? 0 : -ENOMEM;
}

// SO_REUSEADDR lets lwIP bind beside anything, but Linux still refuses a
// port a listener holds on an overlapping address.
__after_boot static bool
listener_conflict(const ip_addr_t *ip, uint16_t port)
{
    struct tcp_pcb_listen *l;

    for (l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
        if (l->local_port == port && (IP_IS_V6(ip) == IP_IS_V6_VAL(l->local_ip)) &&
            (ip_addr_isany(ip) || ip_addr_isany(&l->local_ip) || ip_addr_cmp(ip, &l->local_ip)))
            return true;
    return false;
}

// Bind IS's pcb to IP:PORT (port 0: lwIP picks one). An IPv6 socket bound
// to :: takes IPv4 too unless IPV6_V6ONLY.
__after_boot static long
tcp_do_bind(struct inet_sock *is, ip_addr_t *ip, uint16_t port)
{
    err_t err;

    if (is->sk.domain == AF_INET6 && !is->v6only && IP_IS_V6(ip) && ip_addr_isany(ip))
        ip_addr_copy(*ip, *IP_ANY_TYPE);
    inet_tcp_apply_opts(is);
    if (port && (is->sk.opts & SOCK_OPT_REUSEADDR) && listener_conflict(ip, port))
        return -EADDRINUSE;
    if ((err = tcp_bind(is->tcp, ip, port)) != ERR_OK)
        return inet_errno(err);
    is->bound = true;
    inet_snapshot(is);
    return 0;
}

__after_boot static long
tcp_bind_op(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct inet_sock *is = inet_sk(f);
    ip_addr_t ip;
    uint16_t port;
    long ret;

    if ((ret = inet_addr_parse(is, a, len, false, &ip, &port)) < 0)
        return ret;
    if (is->bound || !is->tcp || is->state != INET_CLOSED)
        return -EINVAL;
    if (!inet_addr_is_local(&ip, false))
        return -EADDRNOTAVAIL;
    return tcp_do_bind(is, &ip, port);
}

// Linux caps the backlog at somaxconn; lwIP's is 8 bits. Linux queues
// backlog + 1 connections.
__after_boot static uint8_t
tcp_backlog(int backlog)
{
    if ((unsigned int)backlog > SOMAXCONN)
        backlog = SOMAXCONN;
    return backlog + 1 > 255 ? 255 : backlog + 1;   // LINUX-DIFF: at most 255 waiting
}

// Say in the kernel log where the program listens: the host's --verbose
// turns "net: listening on tcp ADDR:PORT" into "pkgload: listening on ...
// (published as ...)" (loader/network.py). The first LISTEN_LOG_MAX only: a
// program listening again and again must not flood the log.
#define LISTEN_LOG_MAX 64

__after_boot static void
log_listen(const struct tcp_pcb *pcb)
{
    static unsigned int said;
    char addr[48] = "[::]";
    char buf[IP6ADDR_STRLEN_MAX];

    if (said >= LISTEN_LOG_MAX)
        return;
    if (++said == LISTEN_LOG_MAX) {
        klog("net: more listening sockets, not logged");
        return;
    }

    if (IP_IS_V4_VAL(pcb->local_ip)) {
        ip4addr_ntoa_r(ip_2_ip4(&pcb->local_ip), addr, sizeof(addr));
    } else if (IP_IS_V6_VAL(pcb->local_ip)) {
        ip6addr_ntoa_r(ip_2_ip6(&pcb->local_ip), buf, sizeof(buf));
        snprintf(addr, sizeof(addr), "[%s]", buf);
    }
    klog("net: listening on tcp %s:%u", addr, pcb->local_port);
}

__after_boot static long
tcp_listen_op(struct file *f, int backlog)
{
    struct inet_sock *is = inet_sk(f);
    struct tcp_pcb *lpcb;
    ip_addr_t any;
    err_t err;
    long ret;

    if (is->state == INET_LISTEN) {
        tcp_backlog_set(is->tcp, tcp_backlog(backlog));
        return 0;
    }
    if (is->state != INET_CLOSED || !is->tcp)
        return -EINVAL;
    if (!is->bound) {
        ip_addr_set_any(is->sk.domain == AF_INET6, &any);
        if ((ret = tcp_do_bind(is, &any, 0)) < 0)
            return ret;
    }
    inet_tcp_apply_opts(is);
    lpcb = tcp_listen_with_backlog_and_err(is->tcp, tcp_backlog(backlog), &err);
    if (!lpcb)
        return inet_errno(err);
    is->tcp = lpcb;         // the old pcb is freed
    tcp_arg(lpcb, is);
    tcp_accept(lpcb, tcp_accept_cb);
    is->state = INET_LISTEN;
    is->sk.accepting = true;
    log_listen(lpcb);
    return 0;
}

__after_boot static bool
can_accept(void *arg)
{
    struct inet_sock *is = arg;

    return is->accept_head || (is->shutdown & INET_RCV_SHUTDOWN);
}

// The accepted socket joins the accepting process; Linux copies the
// listener's socket options into it.
__after_boot static void
tcp_adopt(struct inet_sock *ls, struct inet_sock *is)
{
    sock_init(&is->sk, &inet_tcp_ops, ls->sk.domain, SOCK_STREAM, IPPROTO_TCP);
    is->sk.opts = ls->sk.opts;
    is->sk.rcvtimeo_ns = ls->sk.rcvtimeo_ns;
    is->sk.sndtimeo_ns = ls->sk.sndtimeo_ns;
    is->sk.rcvbuf = ls->sk.rcvbuf;
    is->sk.sndbuf = ls->sk.sndbuf;
    is->sk.linger = ls->sk.linger;
    is->v6only = ls->v6only;
    is->nodelay = ls->nodelay;
    is->keepidle = ls->keepidle;
    is->keepintvl = ls->keepintvl;
    is->keepcnt = ls->keepcnt;
    is->listener = NULL;
    inet_tcp_apply_opts(is);
}

__after_boot static long
tcp_accept_op(struct file *f, uint32_t flags, struct file **out)
{
    struct inet_sock *ls = inet_sk(f), *is;
    struct sock_waiter w;
    long ret;

    if (ls->state != INET_LISTEN)
        return -EINVAL;
    sock_waiter_init(&w, f, 0, false);
    if ((ret = sock_wait(&w, can_accept, ls)) < 0)
        return ret;
    if (!(is = ls->accept_head))
        return -EINVAL;
    if (!(ls->accept_head = is->accept_next))
        ls->accept_tail = NULL;
    ls->accept_len--;
    is->accept_next = NULL;
    if (is->tcp)
        tcp_backlog_accepted(is->tcp);
    tcp_adopt(ls, is);
    if (!(*out = sock_file_new(&is->sk, flags))) {
        inet_tcp_destroy(is);
        return -ENOMEM;
    }
    net_stack_poll();
    return 0;
}

__after_boot static bool
connect_ended(void *arg)
{
    return ((struct inet_sock *)arg)->state != INET_CONNECTING;
}

// A connect that began before: still going (EALREADY, or wait), done (0),
// or failed (its error once, then ECONNABORTED), as Linux's SS_CONNECTING.
__after_boot static long
tcp_connect_end(struct file *f, struct inet_sock *is, bool fresh)
{
    struct sock_waiter w;
    long ret;

    sock_waiter_init(&w, f, 0, true);
    if (fresh && w.nonblock)
        return -EINPROGRESS;    // as Linux, even when loopback already answered
    if (is->state == INET_CONNECTING) {
        if (w.nonblock)
            return -EALREADY;
        if ((ret = sock_wait(&w, connect_ended, is)) < 0)
            return ret == -EAGAIN ? -EINPROGRESS : ret;
    }
    is->connecting = false;
    if (is->state == INET_CONNECTED)
        return 0;
    ret = is->sk.error ? -is->sk.error : -ECONNABORTED;
    is->sk.error = 0;
    return ret;
}

// A socket whose connection reset (or never was) starts over with a new pcb.
__after_boot static long
tcp_renew(struct inet_sock *is)
{
    if (is->tcp)
        return 0;
    if (!tcp_pcb_new(is))
        return -ENOMEM;
    is->bound = false;
    is->done = false;
    is->shutdown = 0;
    return 0;
}

__after_boot static long
tcp_connect_op(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct inet_sock *is = inet_sk(f);
    ip_addr_t ip;
    uint16_t port;
    err_t err;
    long ret;

    if (len >= sizeof(sa_family_t) && a->ss_family == AF_UNSPEC)
        return is->state == INET_CLOSED ? 0 : -EOPNOTSUPP;  // LINUX-DIFF: no disconnect
    if ((ret = inet_addr_parse(is, a, len, true, &ip, &port)) < 0)
        return ret;
    if (is->connecting)
        return tcp_connect_end(f, is, false);
    if (is->state != INET_CLOSED)
        return -EISCONN;
    if (inet_unroutable(&ip))
        return -ENETUNREACH;
    if ((ret = tcp_renew(is)) < 0)
        return ret;
    inet_tcp_apply_opts(is);
    is->state = INET_CONNECTING;
    is->sk.error = 0;
    if ((err = tcp_connect(is->tcp, &ip, port, tcp_connected_cb)) != ERR_OK) {
        is->state = INET_CLOSED;
        return inet_errno(err);
    }
    is->connecting = true;
    is->bound = true;
    inet_snapshot(is);
    net_stack_poll();       // on loopback the handshake happens here
    return tcp_connect_end(f, is, true);
}

__after_boot static void
rx_free(struct inet_sock *is)
{
    struct pbuf *q;

    while ((q = is->rx)) {
        is->rx = q->next;
        q->next = NULL;
        pbuf_free(q);
    }
    is->rx_tail = NULL;
    is->rx_bytes = is->rx_off = 0;
}

// A connection's pcb leaves us: lwIP closes it gracefully on its own, or
// resets it when the program left data unread or set SO_LINGER to 0 (as
// Linux). Its callbacks are gone, so lwIP discards what still comes.
__after_boot static void
tcp_let_go(struct inet_sock *is)
{
    struct tcp_pcb *pcb = is->tcp;

    is->tcp = NULL;
    tcp_ext_arg_set(pcb, tcp_ext_id, NULL);
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    if ((is->sk.linger.l_onoff && is->sk.linger.l_linger == 0) || is->rx_bytes)
        tcp_abort(pcb);
    else if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

__after_boot void
inet_tcp_destroy(struct inet_sock *is)
{
    struct inet_sock *c;

    if (is->state == INET_LISTEN) {
        while ((c = is->accept_head)) {     // reset what was never accepted
            is->accept_head = c->accept_next;
            c->sk.linger.l_onoff = 1;
            inet_tcp_destroy(c);
        }
        tcp_arg(is->tcp, NULL);
        tcp_close(is->tcp);
        is->tcp = NULL;
    } else if (is->tcp) {
        tcp_let_go(is);
    }
    rx_free(is);
    kfree(is);
    net_stack_poll();
}

__after_boot static void
tcp_release(struct file *f)
{
    inet_tcp_destroy(inet_sk(f));
}

const struct sock_ops inet_tcp_ops = {
    .bind = tcp_bind_op,
    .connect = tcp_connect_op,
    .listen = tcp_listen_op,
    .accept = tcp_accept_op,
    .sendmsg = inet_tcp_sendmsg,
    .recvmsg = inet_tcp_recvmsg,
    .shutdown = inet_tcp_shutdown,
    .getname = inet_getname,
    .setsockopt = inet_tcp_setsockopt,
    .getsockopt = inet_tcp_getsockopt,
    .ioctl = inet_tcp_ioctl,
    .poll = inet_tcp_poll,
    .release = tcp_release,
};
