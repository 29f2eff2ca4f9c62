// The devices the transports found, and what every driver does the same way
// whatever the device: the status handshake and feature negotiation of
// virtio 1.2 section 3.1.1, and the interrupt. Nothing here runs at boot: the
// first driver to look for a device makes the transports look.
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_mmio.h"
#include "arch/x86_64/apic.h"
#include "sched/wait.h"
#include "log.h"
#include <asm-generic/errno.h>

// Protected by the kernel lock: filled once, then only `claimed` changes.
static struct virtio_dev devices[VIRTIO_MAX_DEVICES];
static int num_devices;
static bool probed;
static uint8_t next_vector = IRQ_VEC_DEV_FIRST;

__after_boot void
virtio_register(const struct virtio_dev *d)
{
    if (num_devices == VIRTIO_MAX_DEVICES) {
        klog("virtio: more than %d devices; %s device %u at 0x%lx ignored", VIRTIO_MAX_DEVICES,
             d->t->name, d->device_id, d->addr);
        return;
    }
    devices[num_devices++] = *d;
}

__after_boot struct virtio_dev *
virtio_find(uint32_t device_id)
{
    if (!probed) {
        probed = true;
        virtio_mmio_probe();
    }
    for (int i = 0; i < num_devices; i++) {
        if (devices[i].device_id == device_id && !devices[i].claimed) {
            devices[i].claimed = true;
            return &devices[i];
        }
    }
    return NULL;
}

__after_boot void
virtio_fail(struct virtio_dev *d, const char *why)
{
    d->t->set_status(d, d->t->get_status(d) | VIRTIO_CONFIG_S_FAILED);
    klog("virtio: %s device %u at 0x%lx: %s", d->t->name, d->device_id, d->addr, why);
}

// 3.1.1: "1. Reset the device. 2. Set the ACKNOWLEDGE status bit: the guest
// OS has noticed the device. 3. Set the DRIVER status bit: the guest OS
// knows how to drive the device. 4. Read device feature bits, and write the
// subset of feature bits understood by the OS and driver to the device.
// 5. Set the FEATURES_OK status bit. 6. Re-read device status to ensure the
// FEATURES_OK bit is still set."
__after_boot long
virtio_negotiate(struct virtio_dev *d, uint64_t required, uint64_t optional)
{
    const struct virtio_transport *t = d->t;
    uint64_t offered;

    required |= 1ull << VIRTIO_F_VERSION_1;   // 6.1: a modern driver needs VERSION_1
    t->set_status(d, 0);
    t->set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    t->set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    offered = t->get_features(d);
    if ((offered & required) != required) {
        klog("virtio: %s device %u at 0x%lx offers features 0x%lx, without 0x%lx", t->name,
             d->device_id, d->addr, offered, required & ~offered);
        virtio_fail(d, "lacks features the driver requires");
        return -ENODEV;
    }
    d->features = offered & (required | optional);
    t->set_features(d, d->features);
    t->set_status(d, t->get_status(d) | VIRTIO_CONFIG_S_FEATURES_OK);
    if (!(t->get_status(d) & VIRTIO_CONFIG_S_FEATURES_OK)) {
        virtio_fail(d, "did not accept the features chosen");
        return -ENODEV;
    }
    return 0;
}

// 3.1.1 step 8: "Set the DRIVER_OK status bit. At this point the device is live."
__after_boot void
virtio_driver_ok(struct virtio_dev *d)
{
    d->t->set_status(d, d->t->get_status(d) | VIRTIO_CONFIG_S_DRIVER_OK);
}

// The vector's handler: acknowledge first (4.2.3.4: "the driver MUST
// acknowledge the interrupt"), so that an event coming while the driver
// looks at its queues interrupts again; then let the driver look.
__after_boot static void
virtio_interrupt(void *arg)
{
    struct virtio_dev *d = arg;
    uint32_t status = d->t->ack_interrupt(d);

    if (status && d->on_interrupt)
        d->on_interrupt(d->arg, status);
    wait_poke();
}

// The firmware describes the line as level-triggered (QEMU's DSDT), but it
// is routed edge-triggered: the handler runs after the EOI (apic.h), so a
// line still high at the EOI would only raise the interrupt again. Edge
// routing loses nothing here: the handler acknowledges before the driver
// looks at its queues, and the one acknowledgement after routing lowers a
// line raised before it.
__after_boot bool
virtio_irq_enable(struct virtio_dev *d, void (*fn)(void *arg, uint32_t status), void *arg)
{
    if (next_vector > IRQ_VEC_DEV_LAST) {
        klog("virtio: no interrupt vector left for %s device %u at 0x%lx", d->t->name, d->device_id,
             d->addr);
        return false;
    }
    d->on_interrupt = fn;
    d->arg = arg;
    d->vector = next_vector++;
    if (!irq_set_handler(d->vector, virtio_interrupt, d) || !irq_route_isa(d->irq, d->vector)) {
        klog("virtio: cannot route IRQ %u of %s device %u at 0x%lx", d->irq, d->t->name,
             d->device_id, d->addr);
        return false;
    }
    d->t->ack_interrupt(d);
    return true;
}
