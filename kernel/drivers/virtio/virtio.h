// virtio devices, whatever bus carries them (virtio 1.2): the interface a
// transport gives drivers, the device-independent part of initialisation
// (3.1.1) and interrupts. Transports (virtio_mmio.c; virtio-pci later) find
// devices and register them here; drivers claim them by device ID and never
// touch a register of their own.
#pragma once
#include "types.h"
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

struct virtio_dev;

// What a transport does for a driver: 4.2.2 and 4.2.3 say how for MMIO.
struct virtio_transport {
    const char *name;
    uint64_t (*get_features)(struct virtio_dev *d);
    void (*set_features)(struct virtio_dev *d, uint64_t features);
    uint8_t (*get_status)(struct virtio_dev *d);
    void (*set_status)(struct virtio_dev *d, uint8_t status);   // 0 resets the device
    uint32_t (*config_generation)(struct virtio_dev *d);
    void (*read_config)(struct virtio_dev *d, uint32_t off, void *buf, uint32_t len);
    void (*write_config)(struct virtio_dev *d, uint32_t off, const void *buf, uint32_t len);
    uint16_t (*queue_max)(struct virtio_dev *d, uint16_t q);    // 0: no such queue, or in use
    // Tell the device where queue Q's three parts are (physical) and enable it.
    void (*queue_enable)(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc,
                         uint64_t driver, uint64_t device);
    void (*notify)(struct virtio_dev *d, uint16_t q);           // available buffer notification
    uint32_t (*ack_interrupt)(struct virtio_dev *d); // VIRTIO_MMIO_INT_* bits, acknowledged
};

// Interrupt status bits every transport reports (MMIO's InterruptStatus, PCI's ISR).
#define VIRTIO_INT_USED   (1u << 0) // a queue has used buffers
#define VIRTIO_INT_CONFIG (1u << 1) // the configuration space changed

struct virtio_dev {
    const struct virtio_transport *t;
    void *transport_data; // the transport's own: registers' address
    uint64_t addr; // where the transport found it, for log lines
    uint32_t device_id; // VIRTIO_ID_*
    uint32_t irq; // the GSI its interrupt arrives on
    uint64_t features; // negotiated (virtio_negotiate)
    bool claimed;
    uint8_t vector; // 0 until virtio_irq_enable
    void (*on_interrupt)(void *arg, uint32_t status);
    void *arg;
};

#define VIRTIO_MAX_DEVICES 32

// For transports: add a device found on the bus (copied).
void virtio_register(const struct virtio_dev *d);
// The first unclaimed device of DEVICE_ID, now claimed by the caller, or
// NULL. The transports look for devices at the first call.
struct virtio_dev *virtio_find(uint32_t device_id);
// 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, then offer the REQUIRED
// features (VIRTIO_F_VERSION_1 is always among them) and whichever of
// OPTIONAL the device has; FEATURES_OK must stick. 0, or -ENODEV with a log
// line (the device is then marked FAILED).
long virtio_negotiate(struct virtio_dev *d, uint64_t required, uint64_t optional);
// 3.1.1 step 8: the driver is ready (queues set up, buffers posted or not).
void virtio_driver_ok(struct virtio_dev *d);
// Give up on the device: FAILED status, and a log line saying WHY.
void virtio_fail(struct virtio_dev *d, const char *why);
// Route the device's interrupt to a device vector: FN(ARG, status) then runs
// in kernel context (apic.h, irq_set_handler) with the status acknowledged,
// and every wait re-checks its condition after it. false when no vector is left.
bool virtio_irq_enable(struct virtio_dev *d, void (*fn)(void *arg, uint32_t status), void *arg);
static inline bool
virtio_has(const struct virtio_dev *d, unsigned int bit)
{
    return d->features & (1ull << bit);
}
