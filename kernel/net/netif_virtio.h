// The virtio-net NIC as lwIP's interface (net/netif_virtio.c).
#pragma once
#include "types.h"

// Add the NIC's interface to lwIP, configured as the manifest says, once,
// when the manifest says the VM has one; caller holds the kernel lock and
// has started lwIP (net_stack_init). Sockets call both at their first use.
void netif_virtio_start(void);
