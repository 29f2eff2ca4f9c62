// Physical pages: RAM ranges from the PVH memory map, minus the kernel image,
// the boot structures, the manifest and the initramfs, handed out by a bump pointer; freed
// pages go on a free list threaded through the pages themselves (via the
// direct map). Contiguous runs come from the bump ranges only.
#include "mm/pmm.h"
#include "arch/x86_64/pvh.h"
#include "layout.h"
#include "manifest.h"
#include "lib/string.h"
#include "log.h"

#define MAX_RANGES 64

struct range { uint64_t start, end; };

static struct range ranges[MAX_RANGES];
static int num_ranges, cur_range;
static uint64_t free_list;          // physical address of the first free page, 0 = empty
static uint64_t num_free, num_total, max_phys;

extern char __kernel_start[], __kernel_end[];

static void
add_range(uint64_t start, uint64_t end)
{
    start = ALIGN_UP(start, PAGE_SIZE);
    end = ALIGN_DOWN(end, PAGE_SIZE);
    if (start >= end || num_ranges == MAX_RANGES)
        return;
    ranges[num_ranges++] = (struct range){ start, end };
}

// Remove [start, end) from every range, splitting where needed.
static void
reserve(uint64_t start, uint64_t end)
{
    start = ALIGN_DOWN(start, PAGE_SIZE);
    end = ALIGN_UP(end, PAGE_SIZE);
    for (int i = 0; i < num_ranges; i++) {
        struct range r = ranges[i];
        if (end <= r.start || start >= r.end)
            continue;
        ranges[i].end = start > r.start ? start : r.start;
        if (end < r.end)
            add_range(end, r.end);
    }
}

static void
reserve_boot_data(const struct hvm_start_info *si)
{
    const struct hvm_modlist_entry *mods = phys_to_virt(si->modlist_paddr);

    reserve(0, 0x100000);   // real-mode area, BIOS data, boot structures live here
    reserve(virt_to_phys(__kernel_start), virt_to_phys(__kernel_end));
    reserve(boot_start_info, boot_start_info + sizeof(*si));
    reserve(si->modlist_paddr, si->modlist_paddr + si->nr_modules * sizeof(*mods));
    for (uint32_t i = 0; i < si->nr_modules; i++)
        reserve(mods[i].paddr, mods[i].paddr + mods[i].size);
    if (si->version >= 1)
        reserve(si->memmap_paddr, si->memmap_paddr + si->memmap_entries * sizeof(struct hvm_memmap_entry));
    reserve(MANIFEST_PHYS, MANIFEST_PHYS + manifest_size());   // its strings are used where they are
}

// Before any allocation: every page of the ranges is free.
static void
count_pages(void)
{
    num_total = 0;
    for (int i = 0; i < num_ranges; i++)
        num_total += (ranges[i].end - ranges[i].start) / PAGE_SIZE;
    num_free = num_total;
}

void
pmm_init(const struct hvm_start_info *si)
{
    const struct hvm_memmap_entry *map;

    if (si->magic != HVM_START_MAGIC || si->version < 1)
        panic("bad hvm_start_info (magic %x version %u)", si->magic, si->version);
    map = phys_to_virt(si->memmap_paddr);
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        if (map[i].type != HVM_MEMMAP_RAM)
            continue;
        add_range(map[i].addr, map[i].addr + map[i].size);
        max_phys = MAX(max_phys, map[i].addr + map[i].size);
    }
    reserve_boot_data(si);
    count_pages();
}

void
pmm_drop_above(uint64_t limit)
{
    reserve(limit, max_phys);
    count_pages();
    max_phys = MIN(max_phys, limit);
}

uint64_t
pmm_alloc_contig(size_t npages)
{
    uint64_t bytes = npages * PAGE_SIZE;

    for (; cur_range < num_ranges; cur_range++) {
        struct range *r = &ranges[cur_range];
        if (r->end - r->start >= bytes) {
            uint64_t pa = r->start;
            r->start += bytes;
            num_free -= npages;
            return pa;
        }
    }
    return 0;
}

uint64_t
pmm_alloc_page(void)
{
    if (free_list) {
        uint64_t pa = free_list;
        free_list = *(uint64_t *)phys_to_virt(pa);
        num_free--;
        return pa;
    }
    return pmm_alloc_contig(1);
}

uint64_t
pmm_alloc_zeroed(void)
{
    uint64_t pa = pmm_alloc_page();

    if (pa)
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

void
pmm_free_page(uint64_t pa)
{
    ASSERT(pa && !(pa & (PAGE_SIZE - 1)));
    *(uint64_t *)phys_to_virt(pa) = free_list;
    free_list = pa;
    num_free++;
}

uint64_t pmm_num_free(void) { return num_free; }
uint64_t pmm_num_total(void) { return num_total; }
uint64_t pmm_max_phys(void) { return max_phys; }
