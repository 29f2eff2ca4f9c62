// An address space's use of memory, counted when a /proc file asks: the
// regions' sizes by kind, the pages present in its page table (resident
// set), and the page tables themselves. Nothing is counted as pages come
// and go, so the peaks (VmPeak, VmHWM) are the highest values any count
// saw, not every moment's.
#include "mm/usage.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "layout.h"
#include "lib/string.h"
#include <asm-generic/mman-common.h>

#define USER_HALF_ENTRIES 256   // PML4 entries of the program's half

static bool
count_present(uint64_t *t, unsigned int lo, unsigned int hi, uint64_t base, void *arg)
{
    uint64_t *n = arg;

    for (unsigned int i = lo; i < hi; i++)
        *n += (t[i] & PTE_P) != 0;
    return true;
}

// Tables at LEVEL (2: a PDPT, 1: a PD, 0: a leaf) under entry E, itself included.
static uint64_t
count_tables(uint64_t e, int level)
{
    uint64_t *t = phys_to_virt(e & PTE_ADDR), n = 1;

    if (level == 0)
        return n;
    for (int i = 0; i < 512; i++)
        if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
            n += count_tables(t[i], level - 1);
    return n;
}

static bool
is_program_file(const struct mm *mm, const struct vma *v)
{
    return mm->exe && v->backing.vn == mm->exe;
}

// One region into the totals: its size by kind, its present pages by backing.
static void
add_region(struct mm *mm, const struct vma *v, struct mm_usage *u)
{
    uint64_t pages = (v->end - v->start) / PAGE_SIZE, present = 0;

    u->total += pages;
    if (v->flags & VMA_STACK)
        u->stack += pages;
    else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED))
        u->data += pages;
    if ((v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE) && !(v->flags & VMA_STACK))
        u->exec += pages;
    if (is_program_file(mm, v) && (v->prot & PROT_EXEC) && !u->end_code)
        u->start_code = v->start, u->end_code = v->end;
    if (is_program_file(mm, v) && (v->prot & PROT_WRITE) && !u->end_data)
        u->start_data = v->start, u->end_data = v->end;
    pt_table_each(mm->pml4, v->start, v->end, count_present, &present);
    // Private file pages are copies here, but Linux counts them as the file's
    // until written: count by the region, as Linux mostly shows them.
    if ((v->flags & VMA_SHARED) && (v->flags & (VMA_ANON | VMA_SYSV_SHM)))
        u->rss_shmem += present;    // shared anonymous memory and System V segments
    else if (v->backing.vn && !(v->flags & VMA_SPECIAL))
        u->rss_file += present;
    else
        u->rss_anon += present;
}

void
mm_usage(struct mm *mm, struct mm_usage *u)
{
    uint64_t rss;

    memset(u, 0, sizeof(*u));
    for (const struct vma *v = mm->vmas; v; v = v->next)
        add_region(mm, v, u);
    for (int i = 0; i < USER_HALF_ENTRIES; i++)
        if (mm->pml4[i] & PTE_P)
            u->table_bytes += count_tables(mm->pml4[i], 2) * PAGE_SIZE;
    rss = u->rss_anon + u->rss_file + u->rss_shmem;
    mm->peak_total = MAX(mm->peak_total, u->total);
    mm->peak_rss = MAX(mm->peak_rss, rss);
    u->peak_total = mm->peak_total;
    u->peak_rss = mm->peak_rss;
}
