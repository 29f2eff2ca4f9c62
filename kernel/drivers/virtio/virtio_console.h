// The virtio-console device (virtio 1.2, 5.3) with multiport: numbered
// ports, each a byte stream in both directions. Which port carries what is
// the host's choice (docs/boot-protocol.md); this driver only moves bytes
// and never waits for them: its callers wait (wait_until) on vcon_readable
// and vcon_writable, with whatever else should end their wait.
#pragma once
#include "types.h"

#define VCON_MAX_PORTS 8    // ports 0..7

// Find and set up the device, once, with receive queues for the ports in
// the bit mask RX_PORTS and transmit queues for those in TX_PORTS; later
// calls return the first answer. false: there is no device (or it failed),
// with a log line.
bool vcon_start(uint32_t rx_ports, uint32_t tx_ports);
// Queue up to a page of BUF for PORT: the bytes queued, -EAGAIN while the
// device has not taken the previous ones, -EPIPE once the port is closed.
ssize_t vcon_write(unsigned int port, const void *buf, size_t n);
// The same in two steps, for a caller that fills the page itself (from the
// program's memory): the page in *PAGE and how many bytes it takes, or the
// errors above; then vcon_tx_send queues its first N bytes.
ssize_t vcon_tx_page(unsigned int port, void **page);
void vcon_tx_send(unsigned int port, size_t n);
// Whether the device has taken everything queued for PORT (or the port is
// closed). When it has not, its interrupt is on, so a wait for it ends.
bool vcon_writable(unsigned int port);
// Start receiving on PORT: post PAGES receive pages (at most 64), so the
// host may send that much ahead of the reader. Until then the host's bytes
// wait on the host's side.
void vcon_rx_start(unsigned int port, unsigned int pages);
// Up to N bytes that have arrived on PORT, without waiting; stops after
// the byte STOP when STOP >= 0. 0 when none has.
size_t vcon_read(unsigned int port, void *buf, size_t n, int stop);
// The unread bytes of PORT's current receive buffer, without copying: their
// address in *DATA and how many; 0 when none has arrived. They stay the
// caller's to read until vcon_consume.
size_t vcon_peek(unsigned int port, const uint8_t **data);
// N of the bytes vcon_peek showed are read; a buffer read to its end goes
// back to the device.
void vcon_consume(unsigned int port, size_t n);
// Whether a read of PORT would find bytes now.
bool vcon_readable(unsigned int port);
// Bytes of PORT's current receive buffer not read yet: some of what a read
// would return now (all of it, after vcon_readable says true, when the host
// sent them at once).
size_t vcon_buffered(unsigned int port);
// Bytes received on PORT since the start, read or not (up to date when
// vcon_readable has just said false).
uint64_t vcon_received(unsigned int port);
// FN(PORT) runs in kernel context (the device's interrupt) when PORT may
// have received bytes: for ports whose input matters when nobody reads.
void vcon_set_input_handler(unsigned int port, void (*fn)(unsigned int port));
// Wait until the device has taken everything queued on every port (the VM
// is about to end).
void vcon_drain(void);
// The host says PORT's far end can take no more: writes fail with -EPIPE,
// and what the device still holds is not waited for.
void vcon_close(unsigned int port);
