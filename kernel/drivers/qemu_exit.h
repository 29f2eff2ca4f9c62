// Ending the VM through QEMU's isa-debug-exit device (docs/boot-protocol.md).
#pragma once
#include "types.h"

#define QEMU_EXIT_PROGRAM 0x10   // the program ended; the exit record says how
#define QEMU_EXIT_PANIC   0x11   // kernel panic

__noreturn void qemu_exit(uint32_t code);
