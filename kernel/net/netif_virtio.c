// lwIP's interface over the virtio-net driver ("en0"): frames go out
// through linkoutput (etharp_output and ethip6_output add their Ethernet
// header) and come in from the driver's interrupt to ethernet_input. IPv4
// is the manifest's static address, or DHCP's when it gives 0.0.0.0; IPv6
// has its link-local address and SLAAC from the router's advertisements.
// The interface is the default route. Everything runs under the kernel lock.
#include "net/netif_virtio.h"
#include "net/netif.h"
#include "drivers/virtio/virtio_net.h"
#include "drivers/clock.h"
#include "manifest.h"
#include "lib/string.h"
#include "log.h"
#include "sched/wait.h"
#include <asm-generic/errno.h>
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/dhcp.h"
#include "lwip/nd6.h"
#include "netif/ethernet.h"

#define MAX_FRAGS  32            // pbufs in one frame before it is copied whole
#define RA_WAIT_NS (20 * 1000000ull)   // for QEMU's router advertisement, at start

static struct netif vnetif;
static bool started;
static uint64_t start_ns;

// A frame from the driver, copied into a pbuf chain for lwIP.
__after_boot static void
on_frame(const void *frame, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);

    if (!p)
        return;     // lwIP is out of memory: a dropped frame, as on a real link
    pbuf_take(p, frame, len);
    if (vnetif.input(p, &vnetif) != ERR_OK)
        pbuf_free(p);
}

// LINUX-DIFF: no duplicate address detection (Linux spends a second on
// each address): QEMU's user network has one other host, the router, whose
// addresses are not ours. A tentative address (the link-local one, or one
// SLAAC just made from a router advertisement) is made preferred at once:
// lwIP would use only the link-local address meanwhile, and QEMU does not
// answer a neighbor solicitation for fec0::2 sent from it, so a
// connection's first SYN would wait for its retransmission, 3 s later.
__after_boot static void
skip_dad(void)
{
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
        if (ip6_addr_istentative(netif_ip6_addr_state(&vnetif, i)))
            netif_ip6_addr_set_state(&vnetif, i, IP6_ADDR_PREFERRED);
}

// After a batch of frames: what lwIP queued or started meanwhile (timers,
// loopback) runs.
__after_boot static void
on_batch(void)
{
    skip_dad();
    net_stack_poll();
}

// Whether a router advertisement gave en0 an address of its prefix (SLAAC).
__after_boot static bool
has_router(void *arg)
{
    return ip6_addr_isvalid(netif_ip6_addr_state(&vnetif, 1));
}

// The router solicitation now, not at ND's next 1 s tick, and a short wait
// for QEMU's advertisement, which comes at once: until then lwIP has no
// route for a global IPv6 address.
__after_boot static void
solicit_router(void)
{
    uint64_t t0 = clock_monotonic_ns();

    nd6_tmr();
    if (!wait_until(t0 + RA_WAIT_NS, has_router, NULL))
        klog("netif: no IPv6 router advertisement in %u ms", (unsigned int)(RA_WAIT_NS / 1000000));
}

// linkoutput: the chain's pieces as the driver's fragments; an unusually
// long chain is flattened first.
__after_boot static err_t
vnetif_linkoutput(struct netif *netif, struct pbuf *p)
{
    static uint8_t flat[VNET_MAX_FRAME];
    struct vnet_frag frags[MAX_FRAGS];
    unsigned int n = 0;
    long ret;

    if (pbuf_clen(p) > MAX_FRAGS) {
        frags[n++] = (struct vnet_frag){ flat, pbuf_copy_partial(p, flat, sizeof(flat), 0) };
    } else {
        for (struct pbuf *q = p; q; q = q->next)
            frags[n++] = (struct vnet_frag){ q->payload, q->len };
    }
    ret = vnet_send(frags, n);
    return ret == 0 ? ERR_OK : ret == -EMSGSIZE ? ERR_VAL : ERR_MEM;
}

// lwIP's netif init callback (netif_add): what the interface is.
__after_boot static err_t
vnetif_init(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    vnet_get_mac(netif->hwaddr);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = vnetif_linkoutput;
    return ERR_OK;
}

// The manifest's IPv4 configuration: address, netmask from the prefix, gateway.
__after_boot static void
manifest_ip4(ip4_addr_t *addr, ip4_addr_t *mask, ip4_addr_t *gw)
{
    const struct manifest_header *h = manifest.raw;
    uint32_t prefix = MIN(h->net_prefix4, 32u);

    IP4_ADDR(addr, h->net_ip4[0], h->net_ip4[1], h->net_ip4[2], h->net_ip4[3]);
    IP4_ADDR(gw, h->net_gw4[0], h->net_gw4[1], h->net_gw4[2], h->net_gw4[3]);
    ip4_addr_set_u32(mask, prefix ? lwip_htonl(~0u << (32 - prefix)) : 0);
}

// The interface changed (an address, IPv4 or IPv6): a new IPv4 address from
// DHCP is said in the log, with how long it took.
__after_boot static void
on_status(struct netif *netif)
{
    static ip4_addr_t said;
    const ip4_addr_t *a = netif_ip4_addr(netif);

    if (ip4_addr_cmp(a, &said))
        return;
    said = *a;
    if (!ip4_addr_isany(a))
        klog("netif: en0 has %s by DHCP, %lu ms after start", ip4addr_ntoa(a),
             (clock_monotonic_ns() - start_ns) / 1000000);
}

__after_boot static void
bring_up(void)
{
    ip4_addr_t addr, mask, gw;

    manifest_ip4(&addr, &mask, &gw);
    if (!netif_add(&vnetif, &addr, &mask, &gw, NULL, vnetif_init, ethernet_input)) {
        klog("netif: lwIP refused the virtio-net interface");
        return;
    }
    netif_set_hostname(&vnetif, manifest.hostname);
    netif_create_ip6_linklocal_address(&vnetif, 1);
    skip_dad();
    vnetif.ip6_autoconfig_enabled = 1;
    netif_set_default(&vnetif);
    netif_set_up(&vnetif);
    if (vnet_link_up()) {
        netif_set_link_up(&vnetif);
        solicit_router();
    }
    if (ip4_addr_isany_val(addr)) {
        netif_set_status_callback(&vnetif, on_status);
        dhcp_start(&vnetif);
    } else if (!ip4_addr_isany_val(gw)) {
        etharp_request(&vnetif, &gw);   // the gateway's MAC, before the first packet needs it
    }
}

__after_boot void
netif_virtio_start(void)
{
    if (started || !manifest_has_net())
        return;
    started = true;
    start_ns = clock_monotonic_ns();
    if (!vnet_start(on_frame, on_batch))
        return;
    bring_up();
    net_stack_poll();
    klog("netif: en0 %u.%u.%u.%u/%u%s, up in %lu us", manifest.raw->net_ip4[0],
         manifest.raw->net_ip4[1], manifest.raw->net_ip4[2], manifest.raw->net_ip4[3],
         manifest.raw->net_prefix4, ip4_addr_isany(netif_ip4_addr(&vnetif)) ? " (DHCP)" : "",
         (clock_monotonic_ns() - start_ns) / 1000);
}
