// virtio-console with VIRTIO_CONSOLE_F_MULTIPORT (virtio 1.2, 5.3): the
// control queues carry the device's and the driver's messages about ports
// (5.3.6.2), and each port has a receive and a transmit queue. Every
// receive buffer and transmit buffer is a page. A port transmits one page
// at a time and its writer waits until the device has taken it: the bytes
// are then out of the VM, as a write to a pipe returns once they are in
// the pipe, and writes to two ports stay in the order they were made.
#include "drivers/virtio/virtio_console.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "sched/wait.h"
#include "drivers/clock.h"
#include "mm/pmm.h"
#include "layout.h"
#include "lib/string.h"
#include "log.h"
#include <linux/virtio_console.h>
#include <asm-generic/errno.h>

// 5.3.2: queues 0 and 1 are port 0's receive and transmit queues, 2 and 3
// the control receive and transmit queues, then two per port from port 1.
#define CTRL_RX          2
#define CTRL_TX          3
#define RX_QUEUE         64 // descriptors of a receive queue: the most pages vcon_rx_start posts
#define RX_KICK_BATCH    16// pages given back before the device is told, while it has others
#define CTRL_SLOT        64 // bytes per control message buffer; 64 in a page
#define CTRL_QUEUE       32 // control buffers each way
#define START_TIMEOUT_NS (2 * 1000000000ull) // for the device's PORT_ADD messages

struct port {
    struct virtq rx, tx; // when the host port was asked for at vcon_start
    bool has_rx, has_tx;
    bool rx_started;
    uint16_t rx_unkicked; // pages posted since the device was last notified
    bool added, host_open; // PORT_ADD came; the host side is open (PORT_OPEN)
    // The used receive buffer being read: CUR_LEN bytes of which CUR_OFF are read.
    uint8_t *cur;
    uint32_t cur_len, cur_off;
    uint64_t received;
    void (*on_input)(unsigned int port);
    uint8_t *tx_page;
    bool tx_busy; // tx_page is the device's until it comes back used
    bool closed; // vcon_close: writes fail, nothing is waited for
};

// Protected by the kernel lock: the syscall paths and the device's
// interrupt handler (kernel context) share all of it.
static struct virtio_dev *dev;
static struct port ports[VCON_MAX_PORTS];
static struct virtq ctrl_rx, ctrl_tx;
static uint8_t *ctrl_tx_page;
static uint64_t ctrl_tx_free = ~0ull; // bit i: slot i of ctrl_tx_page is free
static uint32_t wanted_ports; // the ports vcon_start was asked for
static int started; // 0 not yet, 1 running, -1 none or failed

__after_boot static uint16_t
port_rx_queue(unsigned int p)
{
    return p ? 2 * p + 2 : 0;
}
__after_boot static uint16_t
port_tx_queue(unsigned int p)
{
    return p ? 2 * p + 3 : 1;
}

// Give the device a buffer to write into; N bytes at VA.
__after_boot static void
post_rx(struct virtq *q, void *va, uint32_t n)
{
    struct virtq_seg seg = { .phys = virt_to_phys(va), .len = n, .device_writes = true };

    if (virtq_add(q, &seg, 1, va) < 0)
        panic("virtio-console: more receive buffers than descriptors in queue %u", q->index);
}

// Take back control buffers the device has read.
__after_boot static void
ctrl_reclaim(void)
{
    uint32_t len;
    uint8_t *slot;

    while ((slot = virtq_get_used(&ctrl_tx, &len)))
        ctrl_tx_free |= 1ull << ((slot - ctrl_tx_page) / CTRL_SLOT);
}

// 5.3.6.2: a control message to the device. The device takes them at once
// (QEMU does, as it handles the notification), so running out of buffers
// means it stopped listening: said once and dropped.
__after_boot static void
ctrl_send(uint32_t id, uint16_t event, uint16_t value)
{
    struct virtio_console_control *c;
    struct virtq_seg seg;
    int slot;

    ctrl_reclaim();
    if (!(ctrl_tx_free & ((1ull << CTRL_QUEUE) - 1))) {
        klog("virtio-console: the device takes no control messages; event %u for port %u dropped",
             event, id);
        return;
    }
    slot = __builtin_ctzll(ctrl_tx_free);
    ctrl_tx_free &= ~(1ull << slot);
    c = (void *)(ctrl_tx_page + slot * CTRL_SLOT);
    *c = (struct virtio_console_control){ .id = id, .event = event, .value = value };
    seg = (struct virtq_seg){ .phys = virt_to_phys(c), .len = sizeof(*c) };
    virtq_add(&ctrl_tx, &seg, 1, c);
    virtq_kick(&ctrl_tx);
}

// A message from the device. PORT_ADD gets PORT_READY (5.3.6.2: "the driver
// ... MUST send a VIRTIO_CONSOLE_PORT_READY message"), and the ports asked
// for are opened (PORT_OPEN, value 1) at once: the host sends a port's
// input only to a driver that opened it.
__after_boot static void
ctrl_handle(const struct virtio_console_control *c)
{
    bool ours = c->id < VCON_MAX_PORTS && (wanted_ports & (1u << c->id));

    switch (c->event) {
    case VIRTIO_CONSOLE_PORT_ADD:
        ctrl_send(c->id, VIRTIO_CONSOLE_PORT_READY, ours);
        if (ours) {
            ctrl_send(c->id, VIRTIO_CONSOLE_PORT_OPEN, 1);
            ports[c->id].added = true;
        }
        break;
    case VIRTIO_CONSOLE_PORT_REMOVE:
        if (ours)
            klog("virtio-console: the host removed port %u", c->id);
        break;
    case VIRTIO_CONSOLE_PORT_OPEN:
        if (ours)
            ports[c->id].host_open = c->value;
        break;
    }
}

__after_boot static void
ctrl_receive(void)
{
    uint8_t *buf;
    uint32_t len;
    bool any = false;

    while ((buf = virtq_get_used(&ctrl_rx, &len))) {
        if (len >= sizeof(struct virtio_console_control))
            ctrl_handle((const void *)buf);
        post_rx(&ctrl_rx, buf, CTRL_SLOT);
        any = true;
    }
    if (any)
        virtq_kick(&ctrl_rx);
}

__after_boot static void
vcon_interrupt(void *arg, uint32_t status)
{
    if (!(status & VIRTIO_INT_USED))
        return;
    ctrl_receive();
    for (unsigned int p = 0; p < VCON_MAX_PORTS; p++)
        if (ports[p].on_input && ports[p].rx_started && vcon_readable(p))
            ports[p].on_input(p);
}

__after_boot static bool
all_added(void *arg)
{
    ctrl_receive();
    for (unsigned int p = 0; p < VCON_MAX_PORTS; p++)
        if ((wanted_ports & (1u << p)) && !ports[p].added)
            return false;
    return true;
}

// One queue (or the failure, logged) for each direction asked of port P.
__after_boot static bool
setup_port(unsigned int p, bool rx, bool tx)
{
    struct port *pt = &ports[p];

    if (rx && virtq_init(&pt->rx, dev, port_rx_queue(p), RX_QUEUE) < 0)
        return false;
    if (tx) {
        uint64_t page = pmm_alloc_page();
        if (!page || virtq_init(&pt->tx, dev, port_tx_queue(p), 2) < 0)
            return false;
        pt->tx_page = phys_to_virt(page);
    }
    pt->has_rx = rx;
    pt->has_tx = tx;
    return true;
}

// 5.3.5 and 5.3.6.2: the control queues with their buffers, the ports'
// queues, DRIVER_OK, then DEVICE_READY; the device answers with a PORT_ADD
// for each port it has.
__after_boot static bool
setup_queues(uint32_t rx_ports, uint32_t tx_ports)
{
    uint64_t in_page = pmm_alloc_page(), out_page = pmm_alloc_page();

    if (!in_page || !out_page || virtq_init(&ctrl_rx, dev, CTRL_RX, CTRL_QUEUE) < 0 ||
        virtq_init(&ctrl_tx, dev, CTRL_TX, CTRL_QUEUE) < 0)
        return false;
    ctrl_tx_page = phys_to_virt(out_page);
    for (int i = 0; i < CTRL_QUEUE; i++)
        post_rx(&ctrl_rx, (uint8_t *)phys_to_virt(in_page) + i * CTRL_SLOT, CTRL_SLOT);
    for (unsigned int p = 1; p < VCON_MAX_PORTS; p++)
        if (((rx_ports | tx_ports) & (1u << p)) &&
            !setup_port(p, rx_ports & (1u << p), tx_ports & (1u << p)))
            return false;
    return true;
}

__after_boot static bool
start(uint32_t rx_ports, uint32_t tx_ports)
{
    struct virtio_console_config cfg;

    if (!(dev = virtio_find(VIRTIO_ID_CONSOLE))) {
        klog("virtio-console: no device");
        return false;
    }
    if (virtio_negotiate(dev, 1ull << VIRTIO_CONSOLE_F_MULTIPORT, 1ull << VIRTIO_RING_F_EVENT_IDX) <
        0)
        return false;
    dev->t->read_config(dev, offsetof(struct virtio_console_config, max_nr_ports),
                        &cfg.max_nr_ports, 4);
    wanted_ports = rx_ports | tx_ports;
    if (wanted_ports >> MIN(cfg.max_nr_ports, VCON_MAX_PORTS)) {
        virtio_fail(dev, "has fewer ports than the host's protocol uses");
        return false;
    }
    if (!setup_queues(rx_ports, tx_ports) || !virtio_irq_enable(dev, vcon_interrupt, NULL)) {
        virtio_fail(dev, "cannot set up its queues");
        return false;
    }
    virtq_interrupts(&ctrl_rx, true);
    virtio_driver_ok(dev);
    virtq_kick(&ctrl_rx);
    ctrl_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
    // QEMU answers as it handles the notification: no wait (and no clock) then.
    if (!all_added(NULL) && !wait_until(clock_monotonic_ns() + START_TIMEOUT_NS, all_added, NULL)) {
        virtio_fail(dev, "did not add the ports the host's protocol uses");
        return false;
    }
    return true;
}

__after_boot bool
vcon_start(uint32_t rx_ports, uint32_t tx_ports)
{
    if (!started)
        started = start(rx_ports, tx_ports) ? 1 : -1;
    return started > 0;
}

__after_boot void
vcon_rx_start(unsigned int port, unsigned int pages)
{
    struct port *p = &ports[port];

    if (p->rx_started || !p->has_rx)
        return;
    for (unsigned int i = 0; i < MIN(pages, p->rx.size); i++) {
        uint64_t page = pmm_alloc_page();
        if (!page)
            break;
        post_rx(&p->rx, phys_to_virt(page), PAGE_SIZE);
    }
    p->rx_started = true;
    virtq_interrupts(&p->rx, true);
    virtq_kick(&p->rx);
}

// Give a page read to its end back to the device. The device is told only
// every RX_KICK_BATCH pages (each notification is an exit to the host) or
// when the reader runs dry, as it still has the others to fill meanwhile.
__after_boot static void
give_back(struct port *p, uint8_t *page)
{
    post_rx(&p->rx, page, PAGE_SIZE);
    if (++p->rx_unkicked >= RX_KICK_BATCH) {
        virtq_kick(&p->rx);
        p->rx_unkicked = 0;
    }
}

// No used buffer is left: the device learns of the pages given back, and a
// port read only by waiting for it gets its interrupt back on (it is off
// while bytes keep coming: one interrupt per page would be wasted). true
// when a buffer came in meanwhile, as the interrupt would not say so.
__after_boot static bool
rx_dry(struct port *p)
{
    if (p->rx_unkicked) {
        virtq_kick(&p->rx);
        p->rx_unkicked = 0;
    }
    if (p->on_input)
        return false; // its interrupts stay on: its handler must run unread
    virtq_interrupts(&p->rx, true);
    if (!virtq_has_used(&p->rx))
        return false;
    virtq_interrupts(&p->rx, false);
    return true;
}

// The next used receive buffer with bytes in it, made current; false when
// none has come. An empty one goes straight back to the device.
__after_boot static bool
next_buffer(struct port *p)
{
    uint32_t len;

    while (!p->cur || p->cur_off == p->cur_len) {
        uint8_t *b = virtq_get_used(&p->rx, &len);
        if (p->cur) {
            give_back(p, p->cur);
            p->cur = NULL;
        }
        if (!b && rx_dry(p))
            continue;
        if (!b)
            return false;
        if (!p->on_input)
            virtq_interrupts(&p->rx, false);
        p->cur = b;
        p->cur_len = MIN(len, PAGE_SIZE);
        p->cur_off = 0;
        p->received += p->cur_len;
    }
    return true;
}

__after_boot bool
vcon_readable(unsigned int port)
{
    struct port *p = &ports[port];

    return p->rx_started && next_buffer(p);
}

__after_boot size_t
vcon_buffered(unsigned int port)
{
    struct port *p = &ports[port];

    return p->cur ? p->cur_len - p->cur_off : 0;
}

__after_boot uint64_t
vcon_received(unsigned int port)
{
    return ports[port].received;
}

__after_boot size_t
vcon_peek(unsigned int port, const uint8_t **data)
{
    struct port *p = &ports[port];

    if (!vcon_readable(port))
        return 0;
    *data = p->cur + p->cur_off;
    return p->cur_len - p->cur_off;
}

__after_boot void
vcon_consume(unsigned int port, size_t n)
{
    struct port *p = &ports[port];

    p->cur_off += MIN(n, p->cur_len - p->cur_off);
    next_buffer(p); // a buffer read to its end goes back to the device now
}

__after_boot size_t
vcon_read(unsigned int port, void *buf, size_t n, int stop)
{
    const uint8_t *src;
    uint8_t *out = buf;
    size_t got = 0, k;

    while (got < n && (k = vcon_peek(port, &src))) {
        k = MIN(k, n - got);
        if (stop >= 0) {
            const uint8_t *end = memchr(src, stop, k);
            k = end ? (size_t)(end - src) + 1 : k;
        }
        memcpy(out + got, src, k);
        got += k;
        vcon_consume(port, k);
        if (stop >= 0 && out[got - 1] == stop)
            break;
    }
    return got;
}

// The transmit page came back: the device has taken its bytes.
__after_boot bool
vcon_writable(unsigned int port)
{
    struct port *p = &ports[port];
    uint32_t len;

    if (p->closed)
        return true;
    if (p->tx_busy && virtq_get_used(&p->tx, &len))
        p->tx_busy = false;
    if (p->tx_busy) {
        virtq_interrupts(&p->tx, true);
        if (virtq_get_used(&p->tx, &len))
            p->tx_busy = false;
    }
    return !p->tx_busy;
}

__after_boot ssize_t
vcon_tx_page(unsigned int port, void **page)
{
    struct port *p = &ports[port];

    if (!p->has_tx)
        return -EIO;
    if (p->closed)
        return -EPIPE;
    if (!vcon_writable(port))
        return -EAGAIN;
    *page = p->tx_page;
    return PAGE_SIZE;
}

__after_boot void
vcon_tx_send(unsigned int port, size_t n)
{
    struct port *p = &ports[port];
    struct virtq_seg seg = { .phys = virt_to_phys(p->tx_page), .len = MIN(n, PAGE_SIZE) };

    virtq_interrupts(&p->tx, false);
    virtq_add(&p->tx, &seg, 1, p->tx_page);
    p->tx_busy = true;
    virtq_kick(&p->tx);
}

__after_boot ssize_t
vcon_write(unsigned int port, const void *buf, size_t n)
{
    void *page;
    ssize_t room = vcon_tx_page(port, &page);

    if (room < 0)
        return room;
    n = MIN(n, (size_t)room);
    memcpy(page, buf, n);
    vcon_tx_send(port, n);
    return n;
}

// Wait until every port's transmit page is back: the program's last bytes
// must be out of the VM before it ends.
__after_boot static bool
all_taken(void *arg)
{
    for (unsigned int p = 0; p < VCON_MAX_PORTS; p++)
        if (ports[p].has_tx && !vcon_writable(p))
            return false;
    return true;
}

__after_boot void
vcon_drain(void)
{
    if (started > 0)
        wait_until(WAIT_FOREVER, all_taken, NULL);
}

// The host's end of PORT can take no more (a pipe whose reader is gone): a
// page the device holds is given up on, as the device may never take it.
__after_boot void
vcon_close(unsigned int port)
{
    ports[port].closed = true;
}

__after_boot void
vcon_set_input_handler(unsigned int port, void (*fn)(unsigned int port))
{
    ports[port].on_input = fn;
}
