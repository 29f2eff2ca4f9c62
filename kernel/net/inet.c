// The AF_INET and AF_INET6 families (net/socket.h) over lwIP: socket(2)
// for TCP and UDP. What both share is net/inet_common.c; TCP is
// net/inet_tcp*.c, UDP net/inet_udp.c. Calls go from here to those, never back.
#include "net/inet.h"
#include "net/netif.h"
#include "net/netif_virtio.h"
#include "net/socket_abi.h"
#include "mm/heap.h"
#include <asm-generic/errno.h>
#include <linux/in.h>

// TYPE's protocol: 0 or its own; anything else is EPROTONOSUPPORT, as Linux.
__after_boot static long
inet_create(int domain, int type, int protocol, uint32_t flags, struct file **out)
{
    struct inet_sock *is;
    struct file *f;
    long ret;

    if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        is = inet_sock_new(domain, type, IPPROTO_TCP, &inet_tcp_ops);
    else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
        is = inet_sock_new(domain, type, IPPROTO_UDP, &inet_udp_ops);
    else if (type == SOCK_STREAM || type == SOCK_DGRAM)
        return -EPROTONOSUPPORT;
    else
        return -ESOCKTNOSUPPORT;    // LINUX-DIFF: no SOCK_RAW (Linux: EPERM unprivileged)
    if (!is)
        return -ENOMEM;
    net_stack_init();
    netif_virtio_start();       // the NIC, when the manifest says there is one
    ret = type == SOCK_STREAM ? inet_tcp_create(is) : inet_udp_create(is);
    if (ret < 0) {
        kfree(is);
        return ret;
    }
    if (!(f = sock_file_new(&is->sk, flags))) {
        inet_sock_destroy(is);
        return -ENOMEM;
    }
    *out = f;
    return 0;
}

__after_boot static long
inet4_create(int type, int protocol, uint32_t flags, struct file **out)
{
    return inet_create(AF_INET, type, protocol, flags, out);
}

__after_boot static long
inet6_create(int type, int protocol, uint32_t flags, struct file **out)
{
    return inet_create(AF_INET6, type, protocol, flags, out);
}

// Let go of IS's pcb and queues, and IS: a socket whose file never was.
__after_boot void
inet_sock_destroy(struct inet_sock *is)
{
    if (is->sk.type == SOCK_STREAM)
        inet_tcp_destroy(is);
    else
        inet_udp_destroy(is);
}

const struct net_family inet_family = { .domain = AF_INET, .create = inet4_create };
const struct net_family inet6_family = { .domain = AF_INET6, .create = inet6_create };
