// TCP data: send (into lwIP's send buffer, blocking while it is full),
// receive (from the socket's queue of pbufs, opening lwIP's window as the
// program reads), shutdown, poll and the queue-size ioctls, with the errors
// and readiness Linux's tcp.c gives in each state.
#include "net/inet.h"
#include "net/netif.h"
#include "net/socket_abi.h"
#include "fs/file.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm-generic/ioctls.h>
#include <linux/sockios.h>

#define TCP_WRITE_MAX 0xffff    // tcp_write's length is 16 bits

// Copy up to N unread bytes to BUF; unless PEEK, consume them and give
// lwIP back their window.
__after_boot static size_t
rx_copy(struct inet_sock *is, char *buf, size_t n, bool peek)
{
    struct pbuf *q = is->rx;
    size_t off = is->rx_off, done = 0, k;

    while (q && done < n) {
        k = MIN(n - done, q->len - off);
        memcpy(buf + done, (char *)q->payload + off, k);
        done += k;
        off += k;
        if (off < q->len)
            break;
        q = q->next;
        off = 0;
        if (!peek) {
            is->rx->next = NULL;
            pbuf_free(is->rx);
            is->rx = q;
        }
    }
    if (peek)
        return done;
    is->rx_off = off;
    is->rx_bytes -= done;
    if (!is->rx)
        is->rx_tail = NULL;
    for (k = done; is->tcp && k > 0; k -= MIN(k, TCP_WRITE_MAX))
        tcp_recved(is->tcp, (u16_t)MIN(k, TCP_WRITE_MAX));
    return done;
}

__after_boot static bool
rx_ready(void *arg)
{
    struct inet_sock *is = arg;

    return is->rx_bytes || is->sk.error || (is->shutdown & INET_RCV_SHUTDOWN) ||
           is->state == INET_CLOSED;
}

// With nothing read: the end of the stream (0), a pending error, or
// ENOTCONN; 1 when there is nothing to report and the read should wait.
__after_boot static long
rx_nothing(struct inet_sock *is)
{
    long ret;

    if (is->done)
        return 0;
    if (is->sk.error) {
        ret = -is->sk.error;
        is->sk.error = 0;
        return ret;
    }
    if (is->shutdown & INET_RCV_SHUTDOWN)
        return 0;
    if (is->state == INET_CLOSED)
        return -ENOTCONN;
    return 1;
}

struct rx_more {
    struct inet_sock *is;
    size_t seen;
};

__after_boot static bool
rx_grew(void *arg)
{
    struct rx_more *r = arg;

    struct inet_sock *is = r->is;

    return is->rx_bytes > r->seen || is->sk.error || (is->shutdown & INET_RCV_SHUTDOWN) ||
           is->state == INET_CLOSED;
}

// MSG_PEEK: copy what is there once TARGET bytes are (MSG_WAITALL: the
// whole length), or the stream ends or fails, or a wait ends early.
__after_boot static ssize_t
tcp_peek(struct inet_sock *is, struct sock_msg *m, size_t target, struct sock_waiter *w)
{
    struct rx_more r = { is, 0 };
    size_t avail;
    long ret;

    for (;;) {
        avail = MIN(is->rx_bytes, m->len);
        if (avail >= target || (avail && (is->sk.error || is->state == INET_CLOSED ||
                                          (is->shutdown & INET_RCV_SHUTDOWN))))
            return rx_copy(is, m->buf, avail, true);
        if (!avail && (ret = rx_nothing(is)) <= 0)
            return ret;
        r.seen = is->rx_bytes;
        if ((ret = sock_wait(w, rx_grew, &r)) < 0)
            return avail ? (ssize_t)rx_copy(is, m->buf, avail, true) : ret;
    }
}

__after_boot ssize_t
inet_tcp_recvmsg(struct file *f, struct sock_msg *m)
{
    struct inet_sock *is = inet_sk(f);
    int flags = m->flags;
    size_t copied = 0, target;
    struct sock_waiter w;
    long ret;

    m->flags = 0;
    m->namelen = 0;
    if (flags & MSG_OOB)
        return -EINVAL;         // no urgent data is ever kept
    if (is->state == INET_LISTEN)
        return -ENOTCONN;
    if (m->len == 0)
        return 0;
    inet_tcp_apply_opts(is);
    target = flags & MSG_WAITALL ? m->len : MIN(m->len, (size_t)MAX(is->sk.rcvlowat, 1));
    sock_waiter_init(&w, f, flags, false);
    if (flags & MSG_PEEK)
        return tcp_peek(is, m, target, &w);
    for (;;) {
        if (is->rx_bytes) {
            copied += rx_copy(is, (char *)m->buf + copied, m->len - copied, false);
            if (copied >= target)
                break;
            continue;
        }
        if (copied &&
            (is->sk.error || is->state == INET_CLOSED || (is->shutdown & INET_RCV_SHUTDOWN)))
            break;
        if (!copied && (ret = rx_nothing(is)) <= 0)
            return ret;
        if ((ret = sock_wait(&w, rx_ready, is)) < 0)
            return copied ? (ssize_t)copied : ret;
    }
    net_stack_poll();           // a window update may have gone out
    return copied;
}

// Room in lwIP's send buffer and queue, or a reason not to wait.
__after_boot static size_t
tx_room(struct inet_sock *is)
{
    struct tcp_pcb *pcb = is->tcp;

    size_t segs;

    if (!pcb || is->state != INET_CONNECTED || tcp_sndqueuelen(pcb) + 4 >= TCP_SND_QUEUELEN)
        return 0;
    // tcp_write needs a queue entry per segment, one more when it starts one
    segs = TCP_SND_QUEUELEN - tcp_sndqueuelen(pcb) - 4;
    return MIN(MIN(pcb->snd_buf, TCP_WRITE_MAX), segs * MAX(pcb->mss, 1));
}

__after_boot static bool
tx_ready(void *arg)
{
    struct inet_sock *is = arg;

    return is->state != INET_CONNECTING &&
           (tx_room(is) || !is->tcp || is->sk.error || (is->shutdown & INET_SEND_SHUTDOWN));
}

__after_boot static bool
tx_broken_now(struct inet_sock *is)
{
    return is->sk.error || is->state != INET_CONNECTED || !is->tcp ||
           (is->shutdown & INET_SEND_SHUTDOWN);
}

// Why the send cannot go on: a pending error (once), or EPIPE.
__after_boot static long
tx_broken(struct inet_sock *is)
{
    long ret;

    if (is->sk.error) {
        ret = -is->sk.error;
        is->sk.error = 0;
        return ret;
    }
    return -EPIPE;
}

// Write N bytes of BUF into the pcb and send what Nagle allows; on
// loopback the peer receives (and ACKs) it before this returns.
__after_boot static long
tx_write(struct inet_sock *is, const char *buf, size_t n, bool more)
{
    err_t err;

    err = tcp_write(is->tcp, buf, (u16_t)n, TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
    if (err != ERR_OK)
        return inet_errno(err);
    tcp_output(is->tcp);
    net_stack_poll();
    return 0;
}

__after_boot ssize_t
inet_tcp_sendmsg(struct file *f, struct sock_msg *m)
{
    struct inet_sock *is = inet_sk(f);
    size_t copied = 0, n;
    struct sock_waiter w;
    long ret;

    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;     // LINUX-DIFF: no urgent data
    sock_waiter_init(&w, f, m->flags, true);
    inet_tcp_apply_opts(is);
    for (;;) {
        if (is->state != INET_CONNECTING && tx_broken_now(is))
            return copied ? (ssize_t)copied : tx_broken(is);
        if (copied == m->len)
            break;
        if (is->state == INET_CONNECTING || (n = tx_room(is)) == 0) {
            if ((ret = sock_wait(&w, tx_ready, is)) < 0)
                return copied ? (ssize_t)copied : ret;
            continue;
        }
        n = MIN(n, m->len - copied);
        ret = tx_write(is, (const char *)m->buf + copied, n,
                       copied + n < m->len || (m->flags & MSG_MORE));
        if (ret < 0)            // LINUX-DIFF: out of memory is ENOMEM, Linux waits
            return copied ? (ssize_t)copied : ret;
        copied += n;
    }
    return copied;
}

__after_boot long
inet_tcp_shutdown(struct file *f, int how)
{
    struct inet_sock *is = inet_sk(f);
    int mask = how + 1;         // SHUT_RD -> RCV, SHUT_WR -> SEND, SHUT_RDWR -> both

    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    if (is->state == INET_LISTEN) {
        is->shutdown |= mask & INET_RCV_SHUTDOWN;   // accept() gives EINVAL
        inet_wake(is, POLLIN);
        return 0;
    }
    is->shutdown |= mask;
    if (is->state == INET_CLOSED)
        return -ENOTCONN;
    if ((mask & INET_SEND_SHUTDOWN) && is->tcp)
        tcp_shutdown(is->tcp, 0, 1);    // a FIN after the queued data
    net_stack_poll();
    inet_wake(is, POLLIN | POLLOUT);
    return 0;
}

// Writable as Linux's sk_stream_is_writeable: free space at least half
// of what is queued.
__after_boot static bool
tx_writable(struct inet_sock *is)
{
    return tx_room(is) && is->tcp->snd_buf * 3 >= TCP_SND_BUF;
}

// Linux's tcp_poll, state by state.
__after_boot uint32_t
inet_tcp_poll(struct file *f)
{
    struct inet_sock *is = inet_sk(f);
    uint32_t mask = 0;

    if (is->state == INET_LISTEN)
        return is->accept_head ? POLLIN | POLLRDNORM : 0;
    inet_tcp_apply_opts(is);    // SO_KEEPALIVE set since (docs/kernel.md, Networking)
    if (is->shutdown == (INET_RCV_SHUTDOWN | INET_SEND_SHUTDOWN) || is->state == INET_CLOSED)
        mask |= POLLHUP;
    if (is->shutdown & INET_RCV_SHUTDOWN)
        mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (is->state != INET_CONNECTING) {
        if (is->rx_bytes >= (size_t)MAX(is->sk.rcvlowat, 1))
            mask |= POLLIN | POLLRDNORM;
        if ((is->shutdown & INET_SEND_SHUTDOWN) || is->state == INET_CLOSED || tx_writable(is))
            mask |= POLLOUT | POLLWRNORM;
    }
    if (is->sk.error)
        mask |= POLLERR;
    return mask;
}

// FIONREAD (SIOCINQ): unread bytes; SIOCOUTQ: sent but not yet ACKed or
// not yet sent; SIOCOUTQNSD: not yet sent.
__after_boot long
inet_tcp_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct inet_sock *is = inet_sk(f);
    struct tcp_pcb *pcb = is->tcp;
    struct tcp_seg *s;
    int v = 0;

    if (is->state == INET_LISTEN && (cmd == FIONREAD || cmd == SIOCOUTQ || cmd == SIOCOUTQNSD))
        return -EINVAL;
    if (cmd == FIONREAD)
        v = (int)is->rx_bytes;
    else if (cmd == SIOCOUTQ)
        v = pcb ? (int)(TCP_SND_BUF - pcb->snd_buf) : 0;
    else if (cmd == SIOCOUTQNSD)
        for (s = pcb ? pcb->unsent : NULL; s; s = s->next)
            v += s->len;
    else
        return -ENOTTY;
    return copy_to_user((void __user *)arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}
