// The page table. At boot: the direct map of physical memory (2 MiB pages,
// no execute) and the kernel image with 4 KiB pages, text read-only and
// executable, the rest no-execute; all supervisor-only and global. The lower
// half belongs to the program and is filled in by mm/vm.c.
#include "mm/paging.h"
#include "mm/pmm.h"
#include "layout.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>

#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)
#define GIB (1ull << 30)

static uint64_t *pml4;

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

uint64_t *paging_root(void) { return pml4; }

static uint64_t *
alloc_table(void)
{
    uint64_t pa = pmm_alloc_zeroed();
    return pa ? phys_to_virt(pa) : NULL;
}

// The next-level table under ENTRY, made if missing (when CREATE).
static uint64_t *
next_table(uint64_t *entry, bool create, bool user)
{
    uint64_t *t;

    if (*entry & PTE_P)
        return phys_to_virt(*entry & PTE_ADDR);
    if (!create || !(t = alloc_table()))
        return NULL;
    *entry = virt_to_phys(t) | PTE_P | PTE_W | (user ? PTE_U : 0);
    return t;
}

uint64_t *
pte_lookup(uint64_t va, bool create)
{
    bool user = va < USER_TOP;
    uint64_t *t = pml4;

    for (int level = 3; level > 0; level--) {
        t = next_table(&t[PT_INDEX(va, level)], create, user);
        if (!t)
            return NULL;
    }
    return &t[PT_INDEX(va, 0)];
}

long
page_map(uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t *pte = pte_lookup(va, true);

    if (!pte)
        return -ENOMEM;
    *pte = pa | flags | PTE_P;
    invlpg(va);
    return 0;
}

uint64_t
page_unmap(uint64_t va)
{
    uint64_t *pte = pte_lookup(va, false);
    uint64_t old;

    if (!pte || !(*pte & PTE_P))
        return 0;
    old = *pte;
    *pte = 0;
    invlpg(va);
    return old;
}

void
page_set_flags(uint64_t va, uint64_t flags)
{
    uint64_t *pte = pte_lookup(va, false);

    if (!pte || !(*pte & PTE_P))
        return;
    *pte = (*pte & PTE_ADDR) | flags | PTE_P;
    invlpg(va);
}

// Physical memory at DIRECT_BASE: 1 GiB pages where the CPU has them (four
// entries for 4 GiB instead of 2048), else 2 MiB pages; the MMIO hole below 4 GiB uncached.
static void
map_direct(void)
{
    uint64_t end = ALIGN_UP(MAX(pmm_max_phys(), 4 * GIB), GIB);
    uint64_t *pdpt = next_table(&pml4[PT_INDEX(DIRECT_BASE, 3)], true, false);

    if (cpu_features.pdpe1gb) {
        for (uint64_t pa = 0; pa < end; pa += GIB) {
            uint64_t flags = PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
            pdpt[PT_INDEX(pa, 2)] = pa | flags | (pa == 3 * GIB ? PTE_PCD | PTE_PWT : 0);
        }
        return;
    }
    for (uint64_t pa = 0; pa < end; pa += 2 << 20) {
        uint64_t *pd = next_table(&pdpt[PT_INDEX(pa, 2)], true, false);
        uint64_t flags = PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
        if (pa >= 3 * GIB && pa < 4 * GIB)
            flags |= PTE_PCD | PTE_PWT;
        if (!pd)
            panic("out of memory building the direct map");
        pd[PT_INDEX(pa, 1)] = pa | flags;
    }
}

static void
map_kernel_range(char *start, char *end, uint64_t flags)
{
    for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE) {
        uint64_t *pte = pte_lookup(va, true);
        if (!pte)
            panic("out of memory mapping the kernel");
        *pte = (va - KERNEL_BASE) | flags | PTE_P | PTE_G;
    }
}

void
paging_init(void)
{
    pml4 = alloc_table();
    if (!pml4)
        panic("out of memory for the page table");
    map_direct();
    map_kernel_range(__kernel_start, __text_end, 0);
    map_kernel_range(__text_end, __rodata_end, PTE_NX);
    map_kernel_range(__rodata_end, __kernel_end, PTE_W | PTE_NX);
    write_cr3(virt_to_phys(pml4));
}
