// Physical page allocator.
#pragma once
#include "types.h"

struct hvm_start_info;

void pmm_init(const struct hvm_start_info *si);
uint64_t pmm_alloc_page(void); // physical address, contents undefined; 0 when out of memory
uint64_t pmm_alloc_zeroed(void);
uint64_t pmm_alloc_contig(size_t npages); // npages contiguous pages, 0 when none
void pmm_free_page(uint64_t pa);
void pmm_free_run(uint64_t pa, uint64_t npages); // NPAGES contiguous pages from PA
uint64_t pmm_num_free(void); // in pages
uint64_t pmm_num_total(void);
uint64_t pmm_max_phys(void); // end of the highest RAM range
void pmm_drop_above(uint64_t limit); // forget RAM at and above LIMIT; before any allocation
// User frames shared copy-on-write between address spaces (mm/mm.c).
bool page_ref_get(uint64_t pa); // one more sharer; false when no memory for the counts
void page_ref_put(uint64_t pa); // one fewer; the last one frees the page
void page_ref_put_run(uint64_t pa, uint64_t npages); // the same for NPAGES contiguous frames
bool page_is_shared(uint64_t pa); // more than one owner
// The sharers beyond the first, one count per frame (index pa / PAGE_SIZE):
// made when MAKE (NULL if no memory), else NULL while none was ever shared.
uint16_t *page_refs(bool make);
