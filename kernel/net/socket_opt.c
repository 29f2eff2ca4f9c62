// The SOL_SOCKET options every family shares (net/socket.h): kept in struct
// sock and read back as Linux 6.1 gives them (buffer sizes doubled, timeouts
// in 4 ms jiffies at HZ=250); any other level or option is the family's.
#include "net/socket.h"
#include "lib/string.h"
#include <asm-generic/errno.h>

#define HZ_NS      4000000ull       // one jiffy at Debian's HZ=250
#define NS_PER_SEC 1000000000ull
#define MIN_RCVBUF 2304             // SOCK_MIN_RCVBUF: 2048 + sizeof(struct sk_buff)
#define MIN_SNDBUF (2 * MIN_RCVBUF)
#define BUF_MAX    212992u          // net.core.[rw]mem_max

struct timeval_k {
    int64_t tv_sec, tv_usec;
};

// The boolean options, with the bit each is kept in.
static uint32_t
flag_of(int name)
{
    switch (name) {
    case SO_REUSEADDR: return SOCK_OPT_REUSEADDR;
    case SO_KEEPALIVE: return SOCK_OPT_KEEPALIVE;
    case SO_BROADCAST: return SOCK_OPT_BROADCAST;
    case SO_DONTROUTE: return SOCK_OPT_DONTROUTE;
    case SO_OOBINLINE: return SOCK_OPT_OOBINLINE;
    case SO_REUSEPORT: return SOCK_OPT_REUSEPORT;
    case SO_PASSCRED: return SOCK_OPT_PASSCRED;
    case SO_DEBUG: return SOCK_OPT_DEBUG;
    case SO_PASSSEC: return SOCK_OPT_PASSSEC;
    default: return 0;
    }
}

// sock_set_timeout: whole jiffies rounded up; 0 is no timeout.
static long
set_timeout(uint64_t *ns, const void *val, uint32_t len)
{
    struct timeval_k tv;

    if (len < sizeof(tv))
        return -EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    if (tv.tv_sec < 0) {
        *ns = 1;                 // LINUX-DIFF: Linux's 0 jiffies; a deadline already past
        return 0;
    }
    if (tv.tv_sec == 0 && tv.tv_usec == 0) {
        *ns = 0;
        return 0;
    }
    *ns = (uint64_t)tv.tv_sec * NS_PER_SEC + (tv.tv_usec * 1000 + HZ_NS - 1) / HZ_NS * HZ_NS;
    return 0;
}

static int
buf_size(int val, int min)
{
    uint32_t v = (uint32_t)val < BUF_MAX ? (uint32_t)val : BUF_MAX;

    return (int)(2 * v) > min ? (int)(2 * v) : min;
}

static long
set_int(struct sock *sk, int name, int v)
{
    uint32_t flag = flag_of(name);

    if (flag) {
        sk->opts = v ? sk->opts | flag : sk->opts & ~flag;
        return 0;
    }
    switch (name) {
    case SO_RCVBUF:
    case SO_RCVBUFFORCE: sk->rcvbuf = buf_size(v, MIN_RCVBUF); return 0;
    case SO_SNDBUF:
    case SO_SNDBUFFORCE: sk->sndbuf = buf_size(v, MIN_SNDBUF); return 0;
    case SO_RCVLOWAT: sk->rcvlowat = v > 0 ? v : 1; return 0;
    }
    return -ENOPROTOOPT;
}

long
sock_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
    struct sock *sk = f->priv;
    long ret = -ENOPROTOOPT;
    int v;

    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO_OLD:
        case SO_RCVTIMEO_NEW: return set_timeout(&sk->rcvtimeo_ns, val, len);
        case SO_SNDTIMEO_OLD:
        case SO_SNDTIMEO_NEW: return set_timeout(&sk->sndtimeo_ns, val, len);
        case SO_LINGER:
            if (len < sizeof(sk->linger))
                return -EINVAL;
            memcpy(&sk->linger, val, sizeof(sk->linger));
            sk->linger.l_onoff = !!sk->linger.l_onoff;
            return 0;
        }
        if (flag_of(name) || name == SO_RCVBUF || name == SO_SNDBUF || name == SO_RCVLOWAT ||
            name == SO_RCVBUFFORCE || name == SO_SNDBUFFORCE) {
            if (len < sizeof(int))
                return -EINVAL;
            memcpy(&v, val, sizeof(v));
            ret = set_int(sk, name, v);
        }
    }
    if (ret == -ENOPROTOOPT && sk->ops->setsockopt)
        ret = sk->ops->setsockopt(f, level, name, val, len);
    else if (level != SOL_SOCKET)
        ret = -EOPNOTSUPP;       // a family with no options of its own
    return ret;
}

// The value of a shared int option, or -ENOPROTOOPT.
static long
get_int(struct sock *sk, int name, int *v)
{
    uint32_t flag = flag_of(name);

    if (flag) {
        *v = !!(sk->opts & flag);
        return 0;
    }
    switch (name) {
    case SO_TYPE: *v = sk->type; return 0;
    case SO_DOMAIN: *v = sk->domain; return 0;
    case SO_PROTOCOL: *v = sk->protocol; return 0;
    case SO_ERROR:
        *v = sk->error;
        sk->error = 0;
        return 0;
    case SO_ACCEPTCONN: *v = sk->accepting; return 0;
    case SO_RCVBUF: *v = sk->rcvbuf; return 0;
    case SO_SNDBUF: *v = sk->sndbuf; return 0;
    case SO_RCVLOWAT: *v = sk->rcvlowat; return 0;
    case SO_SNDLOWAT: *v = 1; return 0;
    case SO_INCOMING_NAPI_ID: *v = 0; return 0;   // no busy-polled NIC queue (the JDK probes it)
    }
    return -ENOPROTOOPT;
}

static void
get_timeout(uint64_t ns, struct timeval_k *tv)
{
    tv->tv_sec = ns / NS_PER_SEC;
    tv->tv_usec = ns % NS_PER_SEC / 1000;
}

long
sock_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    struct sock *sk = f->priv;
    long ret = -ENOPROTOOPT;
    int v;

    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO_OLD:
        case SO_RCVTIMEO_NEW:
        case SO_SNDTIMEO_OLD:
        case SO_SNDTIMEO_NEW:
            get_timeout(name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW ? sk->rcvtimeo_ns
                                                                           : sk->sndtimeo_ns,
                        val);
            *len = sizeof(struct timeval_k);
            return 0;
        case SO_LINGER:
            memcpy(val, &sk->linger, sizeof(sk->linger));
            *len = sizeof(sk->linger);
            return 0;
        }
        if ((ret = get_int(sk, name, &v)) == 0) {
            memcpy(val, &v, sizeof(v));
            *len = sizeof(v);
            return 0;
        }
    }
    if (sk->ops->getsockopt)
        ret = sk->ops->getsockopt(f, level, name, val, len);
    else if (level != SOL_SOCKET)
        ret = -EOPNOTSUPP;
    return ret;
}
