// virtio over MMIO (virtio 1.2, 4.2): finds the devices and registers them
// with virtio.c, which is all a driver ever sees of this transport.
#pragma once
#include "types.h"

// Look for virtio-mmio devices (the kernel command line, else ACPI's DSDT)
// and register each modern one. Called once, by the first virtio_find.
void virtio_mmio_probe(void);
