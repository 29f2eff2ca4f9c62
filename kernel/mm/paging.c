// The page table. boot.S made the kernel's half: the direct map of physical
// memory (1 GiB pages, no execute) and the kernel image with 4 KiB pages,
// text read-only and executable, the rest no-execute; all supervisor-only
// and global. The lower half belongs to the program and is filled in by mm/vm.c.
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

extern uint64_t boot_pml4[512], boot_pdpt_direct[512];   // boot.S

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

// boot.S built the kernel's mappings and the direct map of the first 4 GiB;
// RAM above that gets more 1 GiB pages in the same table. A CPU without them
// (boot.S then used 2 MiB pages) gets no RAM above 4 GiB: its tables would
// have to come from memory not yet mapped. The identity slot the boot
// needed goes: the lower half belongs to the program.
void
paging_init(void)
{
    uint64_t end = ALIGN_UP(pmm_max_phys(), GIB);

    pml4 = boot_pml4;
    if (end > 4 * GIB && !(cpuid(0x80000001, 0).edx & (1u << 26))) {   // pdpe1gb
        klog("paging: no 1 GiB pages: memory above 4 GiB is not used");
        pmm_drop_above(4 * GIB);
        end = 4 * GIB;
    }
    for (uint64_t pa = 4 * GIB; pa < end && pa < 512 * GIB; pa += GIB)
        boot_pdpt_direct[PT_INDEX(pa, 2)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
    pml4[0] = 0;
    write_cr3(virt_to_phys(pml4));
}
