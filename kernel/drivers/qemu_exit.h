// Ending the VM through QEMU's isa-debug-exit device (docs/boot-protocol.md).
#pragma once
#include "types.h"

#define QEMU_EXIT_PROGRAM 0x10   // the program ended; the exit record says how
#define QEMU_EXIT_PANIC   0x11   // kernel panic

// Stop the VM now. Safe from panic: nothing it calls can panic. A program's
// end drains its output first (console_drain), as a device in trouble must
// not keep a panic's report from coming out.
__noreturn void qemu_exit(uint32_t code);
