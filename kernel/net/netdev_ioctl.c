// The interface ioctls of netdevice(7) that any socket answers (net/netlink.h):
// SIOCGIFNAME/INDEX/FLAGS/MTU/HWADDR/TXQLEN/METRIC/MAP and SIOCGIFCONF, and
// on AF_INET sockets the IPv4 address, netmask, broadcast and destination,
// about lwIP's interfaces as net/netlink_route.c names them. glibc's and
// musl's if_nametoindex/if_indextoname are SIOCGIFINDEX/SIOCGIFNAME.
#include "net/netif_virtio.h"
#include "net/netlink.h"
#include "net/netif.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "lwip/netif.h"
#include <asm-generic/errno.h>
#include <linux/sockios.h>
#include <linux/in.h>

#define ARPHRD_ETHER    1
#define ARPHRD_LOOPBACK 772
#define IFNAMSIZ        16

// <linux/if.h>'s struct ifreq and struct ifconf (that header wants libc's).
struct ifreq {
    char ifr_name[IFNAMSIZ];
    union {
        struct sockaddr ifr_addr, ifr_netmask, ifr_broadaddr, ifr_hwaddr;
        short ifr_flags;
        int ifr_ifindex, ifr_mtu, ifr_qlen, ifr_metric;
        uint8_t ifr_map[24];        // struct ifmap
    };
};

struct ifconf {
    int ifc_len;
    char __user *ifc_buf;
};

__after_boot static bool
is_lo(const struct netif *n)
{
    return n->name[0] == 'l' && n->name[1] == 'o';
}

// The interface named NAME (an alias's ":N" ignored, as Linux's dev_ioctl).
__after_boot static struct netif *
by_name(const char *name)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);

    for (struct netif *n = netif_list; n; n = n->next)
        if (strlen(netdev_name(n)) == len && !strncmp(name, netdev_name(n), len))
            return n;
    return NULL;
}

__after_boot static void
put_in4(struct sockaddr *sa, uint32_t ip)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = ip };

    memcpy(sa, &sin, sizeof(sin));
}

// devinet_ioctl's reads: N's IPv4 address, netmask, broadcast (0 on lo),
// destination (its own address: no point-to-point links).
__after_boot static long
get_inet(unsigned int cmd, const struct netif *n, struct ifreq *r)
{
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
    uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));

    if (!ip)
        return -EADDRNOTAVAIL;
    if (cmd == SIOCGIFADDR || cmd == SIOCGIFDSTADDR)
        put_in4(&r->ifr_addr, ip);
    else if (cmd == SIOCGIFNETMASK)
        put_in4(&r->ifr_netmask, mask);
    else
        put_in4(&r->ifr_broadaddr, is_lo(n) ? 0 : ip | ~mask);
    return 0;
}

// dev_ifsioc_locked's reads.
__after_boot static long
get_dev(unsigned int cmd, const struct netif *n, struct ifreq *r)
{
    switch (cmd) {
    case SIOCGIFFLAGS: r->ifr_flags = (short)netdev_flags(n); break;
    case SIOCGIFINDEX: r->ifr_ifindex = netif_get_index(n); break;
    case SIOCGIFMTU: r->ifr_mtu = is_lo(n) ? 65536 : n->mtu; break;
    case SIOCGIFHWADDR:
        memset(&r->ifr_hwaddr, 0, sizeof(r->ifr_hwaddr));
        r->ifr_hwaddr.sa_family = is_lo(n) ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
        if (!is_lo(n))
            memcpy(r->ifr_hwaddr.sa_data, n->hwaddr, 6);
        break;
    case SIOCGIFTXQLEN: r->ifr_qlen = 1000; break;
    case SIOCGIFMETRIC: r->ifr_metric = 0; break;
    case SIOCGIFMAP: memset(&r->ifr_map, 0, sizeof(r->ifr_map)); break;
    case SIOCGIFNAME: strlcpy(r->ifr_name, netdev_name(n), IFNAMSIZ); break;
    }
    return 0;
}

// SIOCGIFCONF: an ifreq (name, IPv4 address) per interface with one, as
// many as the buffer holds; a NULL buffer asks for the length needed.
__after_boot static long
get_conf(uint64_t arg)
{
    struct ifconf c;
    struct ifreq r;
    int done = 0;

    if (copy_from_user(&c, (void __user *)arg, sizeof(c)) < 0)
        return -EFAULT;
    for (int idx = 1; idx < 256; idx++) {        // in index order, lo first
        struct netif *n = netif_get_by_index((u8_t)idx);
        if (!n || ip4_addr_isany_val(*netif_ip4_addr(n)))
            continue;
        if (c.ifc_buf && c.ifc_len - done < (int)sizeof(r))
            break;
        if (c.ifc_buf) {
            memset(&r, 0, sizeof(r));
            strlcpy(r.ifr_name, netdev_name(n), IFNAMSIZ);
            put_in4(&r.ifr_addr, ip4_addr_get_u32(netif_ip4_addr(n)));
            if (copy_to_user(c.ifc_buf + done, &r, sizeof(r)) < 0)
                return -EFAULT;
        }
        done += sizeof(r);
    }
    c.ifc_len = done;
    return copy_to_user((void __user *)arg, &c, sizeof(c)) < 0 ? -EFAULT : 0;
}

__after_boot static bool
is_inet_cmd(unsigned int cmd)
{
    return cmd == SIOCGIFADDR || cmd == SIOCGIFNETMASK || cmd == SIOCGIFBRDADDR ||
           cmd == SIOCGIFDSTADDR;
}

__after_boot static bool
is_dev_cmd(unsigned int cmd)
{
    return cmd == SIOCGIFFLAGS || cmd == SIOCGIFINDEX || cmd == SIOCGIFMTU ||
           cmd == SIOCGIFHWADDR || cmd == SIOCGIFTXQLEN || cmd == SIOCGIFMETRIC ||
           cmd == SIOCGIFMAP || cmd == SIOCGIFNAME;
}

// The settings Linux leaves to CAP_NET_ADMIN.
__after_boot static bool
is_set_cmd(int domain, unsigned int cmd)
{
    if (cmd == SIOCSIFADDR || cmd == SIOCSIFNETMASK || cmd == SIOCSIFBRDADDR ||
        cmd == SIOCSIFDSTADDR)
        return domain == AF_INET;
    return cmd == SIOCSIFFLAGS || cmd == SIOCSIFMTU || cmd == SIOCSIFHWADDR ||
           cmd == SIOCSIFTXQLEN || cmd == SIOCSIFMETRIC || cmd == SIOCSIFMAP || cmd == SIOCSIFNAME;
}

__after_boot long
netdev_ioctl(int domain, unsigned int cmd, uint64_t arg)
{
    bool inet = domain == AF_INET && is_inet_cmd(cmd);
    struct netif *n;
    struct ifreq r;
    long ret;

    if (cmd != SIOCGIFCONF && !inet && !is_dev_cmd(cmd) && !is_set_cmd(domain, cmd))
        return -ENOTTY;
    net_stack_init();           // the interfaces, for a program with no AF_INET socket yet
    netif_virtio_start();       // and the NIC, when the manifest says there is one
    if (cmd == SIOCGIFCONF)
        return get_conf(arg);
    if (copy_from_user(&r, (void __user *)arg, sizeof(r)) < 0)
        return -EFAULT;
    if (is_set_cmd(domain, cmd))
        return -EPERM;          // LINUX-DIFF: even root cannot reconfigure the interfaces
    r.ifr_name[IFNAMSIZ - 1] = 0;
    if (cmd == SIOCGIFNAME && r.ifr_ifindex > 0 && r.ifr_ifindex < 256)
        n = netif_get_by_index((u8_t)r.ifr_ifindex);
    else if (cmd == SIOCGIFNAME)
        n = NULL;
    else
        n = by_name(r.ifr_name);
    if (!n)
        return -ENODEV;
    if (inet && strchr(r.ifr_name, ':'))
        return -EADDRNOTAVAIL;  // no alias has an address of its own
    ret = inet ? get_inet(cmd, n, &r) : get_dev(cmd, n, &r);
    if (ret < 0)
        return ret;
    return copy_to_user((void __user *)arg, &r, sizeof(r)) < 0 ? -EFAULT : 0;
}
