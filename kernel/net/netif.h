// The TCP/IP stack (lwIP, NO_SYS) as the rest of the kernel sees it: start
// it, and let it run after each use. Everything here and every lwIP call
// happens under the kernel lock.
//
// A network driver starts the stack with net_stack_init(), adds its
// interface with lwIP's netif_add(..., ethernet_input) (and netif_set_up,
// netif_set_link_up, dhcp_start), passes each received frame to
// netif->input, then calls net_stack_poll().
#pragma once
#include "types.h"

// Start lwIP and its loopback interface (127.0.0.1, ::1) once; later calls
// return at once. Sockets call it at their first use, so a program with none
// never runs lwIP.
void net_stack_init(void);
// Deliver what the interfaces queued for themselves (loopback), then set
// the kernel timer for lwIP's next timeout. Call after any lwIP call that
// may have sent or queued a packet or started a timeout.
void net_stack_poll(void);
