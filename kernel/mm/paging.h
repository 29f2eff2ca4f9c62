// The one page table: kernel half built at boot, program half filled by mm/vm.c.
#pragma once
#include "types.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

void paging_init(void);
uint64_t *paging_root(void);                       // the PML4 (virtual address)
// The 4 KiB PTE for VA, creating missing tables when CREATE; NULL if absent or out of memory.
uint64_t *pte_lookup(uint64_t va, bool create);
long page_map(uint64_t va, uint64_t pa, uint64_t flags);   // 0 or -ENOMEM
uint64_t page_unmap(uint64_t va);                          // the old PTE (0 if none)
void page_set_flags(uint64_t va, uint64_t flags);          // keep the frame, change the rest
