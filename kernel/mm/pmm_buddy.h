// The buddy allocator pmm.c hands physical memory to once boot is over.
#pragma once
#include "types.h"

void buddy_init(uint8_t *meta, uint64_t max_phys);   // META: a byte per page below MAX_PHYS
void buddy_add_range(uint64_t start, uint64_t end);  // free pages (page aligned)
uint64_t buddy_alloc_run(uint64_t npages);           // NPAGES contiguous pages, 0 if none
void buddy_free(uint64_t pa, int order);             // a block of 2^ORDER pages
uint64_t buddy_num_free(void);
