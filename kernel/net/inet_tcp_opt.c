// IPPROTO_TCP options (TCP_NODELAY, keepalive's timing, and the few kept
// but not acted on) and giving the socket's options to its lwIP pcb.
// Other levels go to net/inet_common.c.
#include "net/inet.h"
#include "net/socket_abi.h"
#include "lib/string.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include <asm-generic/errno.h>
#include <linux/in.h>

#define TCP_NODELAY      1
#define TCP_MAXSEG       2
#define TCP_KEEPIDLE     4
#define TCP_KEEPINTVL    5
#define TCP_KEEPCNT      6
#define TCP_CORK         3
#define TCP_DEFER_ACCEPT 9
#define TCP_QUICKACK     12
#define TCP_USER_TIMEOUT 18

// The options the socket layer and this file keep, given to the pcb.
__after_boot void
inet_tcp_apply_opts(struct inet_sock *is)
{
    struct tcp_pcb *pcb = is->tcp;

    if (!pcb)
        return;
    if (is->sk.opts & SOCK_OPT_REUSEADDR)
        ip_set_option(pcb, SOF_REUSEADDR);
    else
        ip_reset_option(pcb, SOF_REUSEADDR);
    if (is->state == INET_LISTEN)
        return;                 // a listen pcb has no more
    if (is->sk.opts & SOCK_OPT_KEEPALIVE)
        ip_set_option(pcb, SOF_KEEPALIVE);
    else
        ip_reset_option(pcb, SOF_KEEPALIVE);
    if (is->nodelay)
        tcp_nagle_disable(pcb);
    else
        tcp_nagle_enable(pcb);
    pcb->keep_idle = (u32_t)is->keepidle * 1000;
    pcb->keep_intvl = (u32_t)is->keepintvl * 1000;
    pcb->keep_cnt = (u32_t)is->keepcnt;
}

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
    case TCP_NODELAY: is->nodelay = v != 0; break;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return -EINVAL;
        *(name == TCP_KEEPIDLE ? &is->keepidle : &is->keepintvl) = v;
        break;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return -EINVAL;
        is->keepcnt = v;
        break;
    case TCP_MAXSEG: return 0;                // LINUX-DIFF: accepted, lwIP's MSS stays
    case TCP_CORK:
    case TCP_DEFER_ACCEPT:
    case TCP_QUICKACK:
    case TCP_USER_TIMEOUT:
        if (name == TCP_USER_TIMEOUT && v < 0)
            return -EINVAL;
        is->kept_tcp[tcp_kept_slot(name)] = name == TCP_CORK || name == TCP_QUICKACK ? v != 0 : v;
        return 0; // LINUX-DIFF: kept and read back, not acted on (nginx's tcp_nopush sets TCP_CORK)
    default: return -ENOPROTOOPT;
    }
    inet_tcp_apply_opts(is);
    return 0;
}

// IPPROTO_TCP here; every other level as for any inet socket.
__after_boot long
inet_tcp_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
    int v;

    if (level != IPPROTO_TCP || len < sizeof(int))
        return inet_setsockopt(f, level, name, val, len);
    memcpy(&v, val, sizeof(v));
    return tcp_setopt(inet_sk(f), name, v);
}

__after_boot static long
tcp_getopt(struct inet_sock *is, int name, int *v)
{
    switch (name) {
    case TCP_NODELAY: *v = is->nodelay; return 0;
    case TCP_KEEPIDLE: *v = is->keepidle; return 0;
    case TCP_KEEPINTVL: *v = is->keepintvl; return 0;
    case TCP_KEEPCNT: *v = is->keepcnt; return 0;
    case TCP_MAXSEG: *v = TCP_MSS; return 0;
    case TCP_CORK:
    case TCP_DEFER_ACCEPT:
    case TCP_QUICKACK:
    case TCP_USER_TIMEOUT: *v = is->kept_tcp[tcp_kept_slot(name)]; return 0;
    }
    return -ENOPROTOOPT;
}

__after_boot long
inet_tcp_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    long ret;
    int v = 0;

    if (level != IPPROTO_TCP)
        return inet_getsockopt(f, level, name, val, len);
    if ((ret = tcp_getopt(inet_sk(f), name, &v)) < 0)
        return ret;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}
