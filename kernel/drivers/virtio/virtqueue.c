// Split virtqueues, as virtio 1.2 section 2.7 lays them out: the driver
// chains free descriptors into a buffer, puts its head in the available
// ring and publishes the new index (2.7.13); the device puts the head and
// the length it wrote in the used ring (2.7.8). x86 keeps stores in order
// and loads in order, so only the compiler must be kept from reordering;
// the one store-then-load that matters (interrupts on, then look at the
// used ring) gets a full fence.
#include "drivers/virtio/virtqueue.h"
#include "drivers/virtio/virtio.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>

// 2.7: the descriptor table 16-byte aligned (16 bytes a descriptor), the
// available ring 2 (flags, idx, a ring entry each, used_event), the used
// ring 4 (flags, idx, 8 bytes an entry, avail_event), one after the other.
#define AVAIL_BYTES(n) (6 + 2 * (size_t)(n))
#define USED_BYTES(n)  (6 + 8 * (size_t)(n))

// 2.7.10: the driver's used_event is the available ring's last entry, the
// device's avail_event the used ring's.
__after_boot static uint16_t *
used_event(struct virtq *q)
{
    return &q->avail->ring[q->size];
}

__after_boot static uint16_t *
avail_event(struct virtq *q)
{
    return (uint16_t *)&q->used->ring[q->size];
}

__after_boot static size_t
used_offset(uint16_t size)
{
    return ALIGN_UP(sizeof(struct vring_desc) * size + AVAIL_BYTES(size), 4);
}

__after_boot static void
lay_out(struct virtq *q, uint8_t *mem)
{
    q->desc = (void *)mem;
    q->avail = (void *)(mem + sizeof(struct vring_desc) * q->size);
    q->used = (void *)(mem + used_offset(q->size));
}

// Contiguous zeroed pages for the rings of Q (size set); their address, or 0.
__after_boot static uint64_t
alloc_rings(struct virtq *q)
{
    size_t pages = ALIGN_UP(used_offset(q->size) + USED_BYTES(q->size), PAGE_SIZE) / PAGE_SIZE;
    uint64_t pa = pages == 1 ? pmm_alloc_page() : pmm_alloc_contig(pages);

    if (pa)
        memset(phys_to_virt(pa), 0, pages * PAGE_SIZE);
    return pa;
}

__after_boot long
virtq_init(struct virtq *q, struct virtio_dev *d, uint16_t index, uint16_t size)
{
    uint16_t max = d->t->queue_max(d, index);
    uint64_t page;

    if (max == 0)
        return -ENODEV;
    size = MIN(MIN(size, max), VIRTQ_MAX_SIZE);
    while (size & (size - 1))      // 2.7: a split queue's size is a power of 2
        size &= size - 1;
    q->size = size;
    if (!(q->tokens = kzalloc(size * sizeof(*q->tokens))))
        return -ENOMEM;
    if (!(page = alloc_rings(q))) {
        kfree(q->tokens);
        return -ENOMEM;
    }
    q->dev = d;
    q->index = index;
    lay_out(q, phys_to_virt(page));
    for (uint16_t i = 0; i < size; i++)
        q->desc[i].next = i + 1;
    q->free_head = 0;
    q->num_free = size;
    q->last_used = 0;
    q->kicked_idx = 0;
    q->event_idx = virtio_has(d, VIRTIO_RING_F_EVENT_IDX);
    virtq_interrupts(q, false);   // drivers turn them on where they wait
    d->t->queue_enable(d, index, size, page, virt_to_phys(q->avail), virt_to_phys(q->used));
    return 0;
}

// 2.7.13: "1. The driver places the buffer into free descriptor(s) in the
// descriptor table, chaining as necessary. 2. The driver places the index
// of the head of the descriptor chain into the next ring entry of the
// available ring. 3. Steps 1 and 2 MAY be performed repeatedly if batching
// is possible. 4. The driver performs a suitable memory barrier to ensure
// the device sees the updated descriptor table and available ring before
// the next step. 5. The available idx is increased by the number of
// descriptor chain heads added to the available ring."
__after_boot long
virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned int n, void *token)
{
    uint16_t head = q->free_head, i = head, avail_idx;

    if (n == 0 || n > q->num_free)
        return -ENOSPC;
    for (unsigned int k = 0; k < n; k++) {
        struct vring_desc *desc = &q->desc[i];
        desc->addr = segs[k].phys;
        desc->len = segs[k].len;
        desc->flags =
            (segs[k].device_writes ? VRING_DESC_F_WRITE : 0) | (k + 1 < n ? VRING_DESC_F_NEXT : 0);
        if (k + 1 < n)
            i = desc->next;
    }
    q->free_head = q->desc[i].next;
    q->num_free -= n;
    q->tokens[head] = token;
    avail_idx = q->avail->idx;
    q->avail->ring[avail_idx & (q->size - 1)] = head;
    __atomic_store_n(&q->avail->idx, (uint16_t)(avail_idx + 1), __ATOMIC_RELEASE);
    return 0;
}

// 2.7.10: with EVENT_IDX the device wants a notification once the driver
// makes available the entry avail_event names: notify when it is among
// those added since the last kick, [kicked_idx, idx), modulo 2^16.
__after_boot void
virtq_kick(struct virtq *q)
{
    uint16_t idx = q->avail->idx, since = idx - q->kicked_idx;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);   // the index reaches memory before the device looks
    q->kicked_idx = idx;
    if (q->event_idx &&
        (uint16_t)(idx - __atomic_load_n(avail_event(q), __ATOMIC_ACQUIRE) - 1) >= since)
        return;
    q->dev->t->notify(q->dev, q->index);
}

__after_boot bool
virtq_has_used(const struct virtq *q)
{
    return __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->last_used;
}

// 2.7.14: the used ring's entry names the chain's head and how much the
// device wrote; the chain's descriptors go back on the free list.
__after_boot void *
virtq_get_used(struct virtq *q, uint32_t *len)
{
    struct vring_used_elem *e;
    uint16_t head, tail;
    void *token;

    if (!virtq_has_used(q))
        return NULL;
    e = &q->used->ring[q->last_used & (q->size - 1)];
    head = e->id;
    if (head >= q->size || !q->tokens[head])
        panic("virtio: queue %u of device %u used descriptor %u, not one it was given", q->index,
              q->dev->device_id, head);
    *len = e->len;
    q->last_used++;
    token = q->tokens[head];
    q->tokens[head] = NULL;
    for (tail = head, q->num_free++; q->desc[tail].flags & VRING_DESC_F_NEXT; q->num_free++)
        tail = q->desc[tail].next;
    q->desc[tail].next = q->free_head;
    q->free_head = head;
    if (q->event_idx && q->interrupts_on) {
        // The next one used interrupts too; the fence orders this store before
        // the caller's next look at the used ring (a use in between is seen there).
        __atomic_store_n(used_event(q), q->last_used, __ATOMIC_RELEASE);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return token;
}

// 2.7.7: VIRTQ_AVAIL_F_NO_INTERRUPT in the available ring's flags; with
// EVENT_IDX, used_event: the next entry to interrupt, or for none the entry
// just behind it (reached only after 2^16 more, and an interrupt is a hint).
__after_boot void
virtq_interrupts(struct virtq *q, bool on)
{
    q->interrupts_on = on;
    if (q->event_idx)
        __atomic_store_n(used_event(q), (uint16_t)(q->last_used - (on ? 0 : 1)), __ATOMIC_RELEASE);
    else
        __atomic_store_n(&q->avail->flags, on ? 0 : VRING_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELEASE);
    if (on)
        __atomic_thread_fence(
            __ATOMIC_SEQ_CST);   // the flag is out before the caller reads the used ring
}
