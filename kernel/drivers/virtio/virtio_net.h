// The virtio-net device (virtio 1.2, 5.1): one receive and one transmit
// queue carrying Ethernet frames, each behind the 12-byte virtio_net_hdr.
// The driver only moves frames: received ones go to the handler given at
// vnet_start (net/netif_virtio.c hands them to lwIP), sent ones are copied
// into the transmit queue's buffers, so the caller's memory is free again
// at once.
#pragma once
#include "types.h"

#define VNET_MAX_FRAME 1514     // an Ethernet frame without its FCS, at MTU 1500

// One piece of a frame to send (lwIP gives a frame as a chain of pbufs).
struct vnet_frag {
    const void *data;
    size_t len;
};

// What the driver counted since vnet_start.
struct vnet_stats {
    uint64_t rx_frames, rx_bytes, rx_dropped;   // dropped: the handler was not set, or too short
    uint64_t tx_frames, tx_bytes, tx_dropped;   // dropped: the queue was full
    uint64_t tx_kicks;                          // notifications: fewer than frames when batched
};

// Find and set up the device, once; later calls give the first answer.
// ON_FRAME(FRAME, LEN) then runs in kernel context (the device's
// interrupt, kernel lock held) for each frame received, FRAME being the
// driver's until it returns, and ON_BATCH() after the frames one interrupt
// found. false: no device, or it failed (logged).
bool vnet_start(void (*on_frame)(const void *frame, size_t len), void (*on_batch)(void));
// The device's MAC address (its configuration's, else a random local one).
void vnet_get_mac(uint8_t mac[6]);
// Whether the device says the link is up (always, without VIRTIO_NET_F_STATUS).
bool vnet_link_up(void);
// Send one frame of N pieces: 0, -EMSGSIZE (longer than VNET_MAX_FRAME),
// -ENOBUFS (every transmit buffer is still the device's: the frame is dropped).
long vnet_send(const struct vnet_frag *frags, unsigned int n);
void vnet_get_stats(struct vnet_stats *out);
