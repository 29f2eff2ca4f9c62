// Split virtqueues (virtio 1.2, 2.7): a descriptor table, the available
// ring the driver fills and the used ring the device fills, in zeroed
// contiguous pages (one up to 128 descriptors, two up to 256). Independent
// of the transport, which only learns their addresses.
#pragma once
#include "types.h"
#include <linux/virtio_ring.h>

struct virtio_dev;

#define VIRTQ_MAX_SIZE 256  // descriptors

// One queue. Protected by the kernel lock: the syscall paths and the
// device's interrupt handler (kernel context) both use it.
struct virtq {
    struct virtio_dev *dev;
    uint16_t index;             // the queue's number on its device
    uint16_t size;              // descriptors, a power of two
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint16_t free_head;         // first free descriptor, chained by .next
    uint16_t num_free;
    uint16_t last_used;         // the next used ring entry to look at
    void **tokens;              // the driver's cookie per chain, by head descriptor
    // VIRTIO_RING_F_EVENT_IDX (2.7.7, 2.7.10): the rings' event fields replace
    // the flags, so the device is notified only when it asked to be.
    bool event_idx;
    bool interrupts_on;         // as virtq_interrupts last set
    uint16_t kicked_idx;        // the available index at the last virtq_kick
};

// One part of a buffer: physically contiguous bytes the device reads, or
// writes when DEVICE_WRITES.
struct virtq_seg {
    uint64_t phys;
    uint32_t len;
    bool device_writes;
};

// Set up queue INDEX of D with at most SIZE descriptors (fewer when the
// device allows fewer) and tell the device: 0, -ENODEV (no such queue), -ENOMEM.
long virtq_init(struct virtq *q, struct virtio_dev *d, uint16_t index, uint16_t size);
// Make a buffer of N segments (those the device reads first) available;
// TOKEN (not NULL) comes back with it from virtq_get_used. -ENOSPC when the
// descriptors are all in use. The device learns of it at virtq_kick, which
// with EVENT_IDX notifies only when the device has said it is waiting for
// one of the buffers added since the last kick.
long virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned int n, void *token);
void virtq_kick(struct virtq *q);
// The token of the next buffer the device has used and how many bytes it
// wrote into it; NULL when there is none yet.
void *virtq_get_used(struct virtq *q, uint32_t *len);
bool virtq_has_used(const struct virtq *q);
// Whether the device should interrupt when it uses a buffer (2.7.7: a
// hint; the driver must still cope with interrupts it asked not to get).
// After turning them on, check virtq_has_used before waiting: a buffer used
// just before is announced by no interrupt.
void virtq_interrupts(struct virtq *q, bool on);
