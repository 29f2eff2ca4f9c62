// QEMU's debug console (isa-debugcon at port 0xe9): the kernel log's sink.
#pragma once
#include "types.h"
void debugcon_write(const char *s, size_t n);
