// Segments and the TSS: the selectors are in layout.h.
#pragma once
#include "types.h"

void gdt_init(void);
void tss_set_kernel_stack(uint64_t top);
