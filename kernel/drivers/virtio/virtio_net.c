// virtio-net (virtio 1.2, 5.1) without multiqueue, control queue or
// offloads: queue 0 receives, queue 1 transmits. Every buffer is half a
// page (2 KiB), enough for a 12-byte header and a 1514-byte frame, so
// neither mergeable buffers nor GSO are needed. The receive queue is kept
// full and interrupts; a frame sent is copied into a free transmit buffer,
// and buffers the device has used are taken back at the next send.
#include "drivers/virtio/virtio_net.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "drivers/rng.h"
#include "mm/pmm.h"
#include "layout.h"
#include "lib/string.h"
#include "log.h"
#include <linux/virtio_net.h>
#include <asm-generic/errno.h>

#define RXQ        0                   // 5.1.2: receiveq1, then transmitq1
#define TXQ        1
#define QUEUE_SIZE 128          // buffers each way
#define BUF_SIZE   2048           // two a page
#define HDR_LEN    sizeof(struct virtio_net_hdr_v1)   // 12: 5.1.6 with VERSION_1

_Static_assert(HDR_LEN == 12, "virtio_net_hdr_v1");
_Static_assert(HDR_LEN + VNET_MAX_FRAME <= BUF_SIZE, "a frame fits a buffer");

// Protected by the kernel lock: the sending paths and the device's
// interrupt handler (kernel context) share all of it.
static struct virtio_dev *dev;
static struct virtq rxq, txq;
static uint8_t *tx_free[QUEUE_SIZE];      // transmit buffers not the device's
static unsigned int num_tx_free;
static uint8_t mac[6];
static bool link_up = true;
static void (*frame_handler)(const void *frame, size_t len);
static void (*batch_handler)(void);
static struct vnet_stats stats;
static int started;                       // 0 not yet, 1 running, -1 none or failed

// Give the device a receive buffer (5.1.6.3: the whole buffer, header included).
__after_boot static void
post_rx(uint8_t *buf)
{
    struct virtq_seg seg = { .phys = virt_to_phys(buf), .len = BUF_SIZE, .device_writes = true };

    if (virtq_add(&rxq, &seg, 1, buf) < 0)
        panic("virtio-net: more receive buffers than descriptors");
}

// Notify the device unless it said it is already looking (2.7.10: a device
// sets VIRTQ_USED_F_NO_NOTIFY while it works through a queue). That is
// what batches a burst of sends into one notification.
__after_boot static void
kick(struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   // the new index is out before the flag is read
    if (__atomic_load_n(&q->used->flags, __ATOMIC_ACQUIRE) & VRING_USED_F_NO_NOTIFY)
        return;
    if (q == &txq)
        stats.tx_kicks++;
    virtq_kick(q);
}

// 5.1.6.4: each used receive buffer holds a header and one frame (no
// VIRTIO_NET_F_MRG_RXBUF: num_buffers is 1). Handed up, then posted again.
__after_boot static void
rx_drain(void)
{
    uint32_t len;
    uint8_t *buf;
    bool any = false;

    while ((buf = virtq_get_used(&rxq, &len))) {
        if (len > HDR_LEN && len <= BUF_SIZE && frame_handler) {
            stats.rx_frames++;
            stats.rx_bytes += len - HDR_LEN;
            frame_handler(buf + HDR_LEN, len - HDR_LEN);
        } else {
            stats.rx_dropped++;
        }
        post_rx(buf);
        any = true;
    }
    if (any) {
        kick(&rxq);
        if (batch_handler)
            batch_handler();
    }
}

// Transmit buffers the device is done with (5.1.6.2.2: it has sent them).
__after_boot static void
tx_reclaim(void)
{
    uint32_t len;
    uint8_t *buf;

    while ((buf = virtq_get_used(&txq, &len)))
        tx_free[num_tx_free++] = buf;
}

// 5.1.6.5: a configuration change is the link's status (VIRTIO_NET_F_STATUS).
__after_boot static void
read_link(void)
{
    uint16_t status;

    if (!virtio_has(dev, VIRTIO_NET_F_STATUS))
        return;
    dev->t->read_config(dev, offsetof(struct virtio_net_config, status), &status, 2);
    if (link_up != !!(status & VIRTIO_NET_S_LINK_UP))
        klog("virtio-net: link %s", link_up ? "down" : "up");
    link_up = status & VIRTIO_NET_S_LINK_UP;
}

__after_boot static void
vnet_interrupt(void *arg, uint32_t status)
{
    if (status & VIRTIO_INT_CONFIG)
        read_link();
    if (status & VIRTIO_INT_USED)
        rx_drain();
}

// 5.1.5: the MAC the device offers, else one of our own: random, with
// the locally administered bit set and the group bit clear.
__after_boot static void
read_mac(void)
{
    if (virtio_has(dev, VIRTIO_NET_F_MAC)) {
        dev->t->read_config(dev, offsetof(struct virtio_net_config, mac), mac, 6);
        return;
    }
    rng_bytes(mac, 6);
    mac[0] = (mac[0] & 0xfe) | 0x02;
}

// QUEUE_SIZE half-page buffers; false when memory ran out.
__after_boot static bool
alloc_buffers(uint8_t **bufs)
{
    for (int i = 0; i < QUEUE_SIZE; i += PAGE_SIZE / BUF_SIZE) {
        uint64_t page = pmm_alloc_page();
        if (!page)
            return false;
        for (int k = 0; k < PAGE_SIZE / BUF_SIZE; k++)
            bufs[i + k] = (uint8_t *)phys_to_virt(page) + k * BUF_SIZE;
    }
    return true;
}

// 5.1.5 "Device Initialization": the queues, receive buffers posted before
// DRIVER_OK so the first frame finds room.
__after_boot static bool
setup_queues(void)
{
    uint8_t *rx_bufs[QUEUE_SIZE];

    if (virtq_init(&rxq, dev, RXQ, QUEUE_SIZE) < 0 || virtq_init(&txq, dev, TXQ, QUEUE_SIZE) < 0)
        return false;
    if (!alloc_buffers(rx_bufs) || !alloc_buffers(tx_free))
        return false;
    num_tx_free = MIN(txq.size, QUEUE_SIZE);
    for (int i = 0; i < rxq.size; i++)
        post_rx(rx_bufs[i]);
    return true;
}

__after_boot static bool
start(void)
{
    uint64_t optional = 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS;

    if (!(dev = virtio_find(VIRTIO_ID_NET))) {
        klog("virtio-net: no device");
        return false;
    }
    if (virtio_negotiate(dev, 0, optional) < 0)
        return false;
    if (!setup_queues() || !virtio_irq_enable(dev, vnet_interrupt, NULL)) {
        virtio_fail(dev, "cannot set up its queues");
        return false;
    }
    read_mac();
    read_link();
    virtq_interrupts(&rxq, true);
    virtio_driver_ok(dev);
    virtq_kick(&rxq);
    klog("virtio-net: %02x:%02x:%02x:%02x:%02x:%02x at 0x%lx, features 0x%lx, link %s", mac[0],
         mac[1], mac[2], mac[3], mac[4], mac[5], dev->addr, dev->features, link_up ? "up" : "down");
    return true;
}

__after_boot bool
vnet_start(void (*on_frame)(const void *frame, size_t len), void (*on_batch)(void))
{
    if (!started) {
        frame_handler = on_frame;
        batch_handler = on_batch;
        started = start() ? 1 : -1;
    }
    return started > 0;
}

__after_boot void
vnet_get_mac(uint8_t out[6])
{
    memcpy(out, mac, 6);
}

__after_boot bool
vnet_link_up(void)
{
    return link_up;
}

// 5.1.6.2: "The driver ... prepends the virtio_net_hdr": all zero, no
// checksum or segmentation asked of the device.
__after_boot long
vnet_send(const struct vnet_frag *frags, unsigned int n)
{
    struct virtq_seg seg;
    size_t len = 0;
    uint8_t *buf;

    for (unsigned int i = 0; i < n; i++)
        len += frags[i].len;
    if (len > VNET_MAX_FRAME)
        return -EMSGSIZE;
    tx_reclaim();
    if (started <= 0 || num_tx_free == 0) {
        stats.tx_dropped++;
        if (!(stats.tx_dropped & (stats.tx_dropped - 1)))   // 1, 2, 4, 8...: said, not flooded
            klog("virtio-net: transmit queue full, %lu frames dropped", stats.tx_dropped);
        return -ENOBUFS;
    }
    buf = tx_free[--num_tx_free];
    memset(buf, 0, HDR_LEN);
    for (unsigned int i = 0, off = HDR_LEN; i < n; off += frags[i].len, i++)
        memcpy(buf + off, frags[i].data, frags[i].len);
    seg = (struct virtq_seg){ .phys = virt_to_phys(buf), .len = HDR_LEN + len };
    virtq_add(&txq, &seg, 1, buf);
    stats.tx_frames++;
    stats.tx_bytes += len;
    kick(&txq);
    return 0;
}

__after_boot void
vnet_get_stats(struct vnet_stats *out)
{
    *out = stats;
}
