// /proc/net: what programs read to learn the network, generated from lwIP's
// interfaces when opened. if_inet6 has a line per IPv6 address in Linux's
// format: the address in 32 hex digits, the interface index, the prefix
// length, the scope (0x10 host, 0x20 link, 0x00 global), IFA_F_* flags and
// the interface's name right-aligned in 8 columns (the JDK's
// NetworkInterface and glibc's if_nameindex fallbacks read it).
#include "fs/vfs.h"
#include "fs/procfs_text.h"
#include "net/netif.h"
#include "net/netif_virtio.h"
#include "net/netlink.h"
#include "lwip/netif.h"
#include <linux/rtnetlink.h>
#include <linux/stat.h>

#define IPV6_SCOPE_HOST 0x10
#define IPV6_SCOPE_LINK 0x20

__after_boot static uint8_t
if_inet6_scope(uint8_t rt_scope)
{
    return rt_scope == RT_SCOPE_HOST   ? IPV6_SCOPE_HOST
           : rt_scope == RT_SCOPE_LINK ? IPV6_SCOPE_LINK
                                       : 0;
}

// Interfaces in index order, each one's global addresses before its
// link-local one, as RTM_GETADDR lists them. LINUX-DIFF: Linux's order is
// its address hash table's.
__after_boot static long
gen_if_inet6(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    struct netdev_addr6 a;
    struct netif *n;

    net_stack_init();           // the interfaces, for a program with no socket yet
    netif_virtio_start();
    for (int idx = 1; idx < 256; idx++) {
        if (!(n = netif_get_by_index((u8_t)idx)))
            continue;
        for (int i = LWIP_IPV6_NUM_ADDRESSES - 1; i >= 0; i--) {
            if (!netdev_addr6(n, i, &a))
                continue;
            for (int b = 0; b < 16; b++)
                text_printf(&t, "%02x", a.addr[b]);
            text_printf(&t, " %02x %02x %02x %02x %8s\n", idx, a.prefixlen, if_inet6_scope(a.scope),
                        a.flags & 0xff, netdev_name(n));
        }
    }
    return text_done(&t, buf, len);
}

// LINUX-DIFF: /proc/net is a folder, not Linux's link to self/net: every
// process sees the one network.
__after_boot void
proc_net_init(struct vnode *proc)
{
    struct vnode *net = dir_mkdir(proc, "net", 0555);
    struct vnode *vn = procfs_node(S_IFREG | 0444);

    vn->generate = gen_if_inet6;
    dir_link(net, "if_inet6", vn);
    vnode_put(vn);
}
