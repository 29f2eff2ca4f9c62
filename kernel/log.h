// The kernel log (debugcon) and panics. Kernel messages never reach the
// program's stdout or stderr.
#pragma once
#include "types.h"

struct trap_frame;

void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// LINE as it is, without formatting: for boot, where the formatter's code
// would be translated just for one fixed message.
void klog_line(const char *line);
__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__noreturn void panic_frame(const struct trap_frame *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
// Name of the kernel function containing ADDR and the offset into it, or NULL.
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (unlikely(!(cond)))                                                                     \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);                      \
    } while (0)
