// Page tables. boot.S made the kernel's half: the direct map of physical
// memory (1 GiB pages, no execute) and the kernel image with 4 KiB pages,
// text read-only and executable, the rest no-execute; all supervisor-only
// and global. The lower half belongs to the program and is filled in by
// mm/vm.c. The boot PML4 is the first process's; every later address space
// copies its upper half, so a kernel PML4 entry must exist before a second
// address space does (paging_new_root makes the kernel stacks' one first).
#include "mm/paging.h"
#include "mm/pmm.h"
#include "layout.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "log.h"
#include "arch/x86_64/percpu.h"
#include <asm-generic/errno.h>

#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)
#define GIB                 (1ull << 30)

static uint64_t *pml4;              // the boot PML4
static bool second_root;            // a second address space exists: the kernel half is frozen

extern uint64_t boot_pml4[512], boot_pdpt_direct[512];   // boot.S

uint64_t *
paging_root(void)
{
    return this_cpu()->pml4;
}
uint64_t *
paging_kernel_root(void)
{
    return pml4;
}

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
pte_lookup_in(uint64_t *root, uint64_t va, bool create)
{
    bool user = va < USER_TOP;
    uint64_t *t = user ? root : pml4;

    // A new kernel PML4 entry would be in this PML4 alone.
    ASSERT(user || !create || !second_root || (t[PT_INDEX(va, 3)] & PTE_P));
    for (int level = 3; level > 0; level--) {
        t = next_table(&t[PT_INDEX(va, level)], create, user);
        if (!t)
            return NULL;
    }
    return &t[PT_INDEX(va, 0)];
}

uint64_t *
pte_lookup(uint64_t va, bool create)
{
    return pte_lookup_in(va < USER_TOP ? paging_root() : pml4, va, create);
}

#define KSTACK_REGION 0xffffc00000000000ull   // mm/kstack.c's, made before it is frozen

__after_boot uint64_t *
paging_new_root(void)
{
    uint64_t *root;

    if (!second_root) {
        if (!next_table(&pml4[PT_INDEX(KSTACK_REGION, 3)], true, false))
            return NULL;
        second_root = true;
    }
    if (!(root = alloc_table()))
        return NULL;
    memcpy(root + 256, pml4 + 256, 256 * sizeof(uint64_t));
    return root;
}

// The leaf table for user address VA in ROOT, made if missing (the levels
// above zeroed): then *FRESH is set and the new table is not zeroed, its
// 512 entries the caller's to fill before anything else reads them (fork
// writes them all anyway). NULL when out of memory.
__after_boot uint64_t *
pt_leaf_table(uint64_t *root, uint64_t va, bool *fresh)
{
    uint64_t *t = root, *entry, pa;

    for (int level = 3; level > 1; level--)
        if (!(t = next_table(&t[PT_INDEX(va, level)], true, true)))
            return NULL;
    entry = &t[PT_INDEX(va, 1)];
    *fresh = !(*entry & PTE_P);
    if (!*fresh)
        return phys_to_virt(*entry & PTE_ADDR);
    if (!(pa = pmm_alloc_page()))
        return NULL;
    *entry = pa | PTE_P | PTE_W | PTE_U;
    return phys_to_virt(pa);
}

// Free the tables under ENTRY at LEVEL (2: a PDPT's ... 0: a page table's frames are not ours).
__after_boot static void
free_table(uint64_t entry, int level)
{
    uint64_t *t = phys_to_virt(entry & PTE_ADDR);

    if (level > 0)
        for (int i = 0; i < 512; i++)
            if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
                free_table(t[i], level - 1);
    pmm_free_page(entry & PTE_ADDR);
}

__after_boot void
paging_free_user(uint64_t *root)
{
    for (int i = 0; i < 256; i++) {
        if (root[i] & PTE_P)
            free_table(root[i], 2);
        root[i] = 0;
    }
}

__after_boot void
paging_free_root(uint64_t *root)
{
    paging_free_user(root);
    pmm_free_page(virt_to_phys(root));
}

// Page-table changes in ROOT. The local TLB entry goes when ROOT is the one
// this CPU runs on (others are never cached here: a CR3 load flushed them);
// other CPUs are the caller's to shoot down.
static void
flush_local(uint64_t *root, uint64_t va)
{
    if (root == paging_root() || va >= USER_TOP)
        invlpg(va);
}

long
page_map_in(uint64_t *root, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t *pte = pte_lookup_in(root, va, true);

    if (!pte)
        return -ENOMEM;
    *pte = pa | flags | PTE_P;
    flush_local(root, va);
    return 0;
}

long
page_map(uint64_t va, uint64_t pa, uint64_t flags)
{
    return page_map_in(paging_root(), va, pa, flags);
}

uint64_t
page_unmap_in(uint64_t *root, uint64_t va)
{
    uint64_t *pte = pte_lookup_in(root, va, false);
    uint64_t old;

    if (!pte || !(*pte & PTE_P))
        return 0;
    old = *pte;
    *pte = 0;
    flush_local(root, va);
    return old;
}

void
page_set_flags_in(uint64_t *root, uint64_t va, uint64_t flags)
{
    uint64_t *pte = pte_lookup_in(root, va, false);

    if (!pte || !(*pte & PTE_P))
        return;
    *pte = (*pte & PTE_ADDR) | flags | PTE_P;
    flush_local(root, va);
}

// Call FN for each leaf table of ROOT with entries in [start, end), skipping
// the holes a level up at once: a region of gigabytes reserved and barely
// touched (Go's heap arenas) costs its tables, not its pages. One walk from
// the root per table, not per page.
__after_boot bool
pt_table_each(uint64_t *root, uint64_t start, uint64_t end, pt_table_fn fn, void *arg)
{
    uint64_t va = start;

    while (va < end) {
        uint64_t *t = root, base, next;
        int level;
        for (level = 3; level > 0; level--) {
            uint64_t e = t[PT_INDEX(va, level)];
            if (!(e & PTE_P))
                break;
            t = phys_to_virt(e & PTE_ADDR);
        }
        if (level > 0) {        // no table here: on to the next entry of that level
            uint64_t span = 1ull << (12 + 9 * level);
            va = ALIGN_DOWN(va, span) + span;
            continue;
        }
        base = ALIGN_DOWN(va, PT_SPAN);
        next = MIN(base + PT_SPAN, end);
        if (!fn(t, PT_INDEX(va, 0), (next - base) / PAGE_SIZE, base, arg))
            return false;
        va = next;
    }
    return true;
}

struct each_pte {
    void (*fn)(uint64_t va, uint64_t *pte, void *arg);
    void *arg;
};

__after_boot static bool
each_pte_in(uint64_t *t, unsigned int lo, unsigned int hi, uint64_t base, void *arg)
{
    struct each_pte *w = arg;

    for (unsigned int i = lo; i < hi; i++)
        if (t[i] & PTE_P)
            w->fn(base + i * PAGE_SIZE, &t[i], w->arg);
    return true;
}

__after_boot void
pte_range_each(uint64_t *root, uint64_t start, uint64_t end,
               void (*fn)(uint64_t va, uint64_t *pte, void *arg), void *arg)
{
    struct each_pte w = { fn, arg };

    pt_table_each(root, start, end, each_pte_in, &w);
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
