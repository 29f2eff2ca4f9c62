// Page tables. Every process has its own PML4 whose upper half (the kernel:
// the direct map, the image, kernel stacks) is the same entries as the boot
// PML4's, made at boot or before the first second address space exists,
// and whose lower half is the program's, filled by mm/vm.c.
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
uint64_t *paging_root(void);                       // the PML4 this CPU runs on (virtual address)
uint64_t *
paging_kernel_root(void); // the boot PML4: the first process's, and the master of the kernel half
// The 4 KiB PTE for VA, creating missing tables when CREATE; NULL if absent or out of memory.
// In the PML4 this CPU runs on; a kernel address always in the boot PML4.
uint64_t *pte_lookup(uint64_t va, bool create);
uint64_t *pte_lookup_in(uint64_t *pml4, uint64_t va, bool create);
// The leaf table for user address VA, made if missing (*FRESH: its 512 entries not zeroed, the caller's to fill).
uint64_t *pt_leaf_table(uint64_t *root, uint64_t va, bool *fresh);
uint64_t *paging_new_root(void); // a PML4 with the kernel half; NULL if no memory
void paging_free_user(uint64_t *pml4); // free the lower half's tables (not the frames)
void paging_free_root(uint64_t *pml4);
long page_map(uint64_t va, uint64_t pa, uint64_t flags); // 0 or -ENOMEM; in this CPU's page table
long page_map_in(uint64_t *root, uint64_t va, uint64_t pa, uint64_t flags);
uint64_t page_unmap_in(uint64_t *root, uint64_t va); // the old PTE (0 if none)
void page_set_flags_in(uint64_t *root, uint64_t va,
                       uint64_t flags); // keep the frame, change the rest
// FN for each leaf table of ROOT with entries in [start, end): the table T,
// the indexes [lo, hi) of those entries in it, and the address T[0] maps.
// FN returns false to stop the walk (pt_table_each then returns false).
#define PT_SPAN (1ull << 21) // the addresses a leaf table maps
typedef bool (*pt_table_fn)(uint64_t *t, unsigned int lo, unsigned int hi, uint64_t base,
                            void *arg);
bool pt_table_each(uint64_t *root, uint64_t start, uint64_t end, pt_table_fn fn, void *arg);
// FN for each present PTE of ROOT in [start, end), absent tables skipped whole.
void pte_range_each(uint64_t *root, uint64_t start, uint64_t end,
                    void (*fn)(uint64_t va, uint64_t *pte, void *arg), void *arg);
