// Physical pages: RAM ranges from the PVH memory map, minus the kernel image,
// the boot structures, the manifest and the initramfs. Until the first page
// is freed (after boot: boot frees nothing) they are handed out by a bump
// pointer, the cheapest code to run once; at the first free the rest of
// the ranges become a buddy allocator's blocks (pmm_buddy.c), and from then
// on freed pages merge back into runs, so contiguous memory (kernel heap
// runs, exec's stack) does not run out while single pages are free.
#include "mm/pmm.h"
#include "arch/x86_64/pvh.h"
#include "layout.h"
#include "manifest.h"
#include "lib/string.h"
#include "log.h"
#include "mm/pmm_buddy.h"

#define MAX_RANGES 64

struct range {
    uint64_t start, end;
};

static struct range ranges[MAX_RANGES];
static int num_ranges, cur_range;
static uint64_t num_free, num_total, max_phys;
static bool buddy_on;               // the ranges' rest belongs to the buddy allocator
static uint64_t buddy_meta;         // its table, set aside at boot (pmm_init)

static void buddy_start(void);

extern char __kernel_start[], __kernel_end[];

// Both keep num_total, the pages in all ranges, up to date as they go.
static void
add_range(uint64_t start, uint64_t end)
{
    start = ALIGN_UP(start, PAGE_SIZE);
    end = ALIGN_DOWN(end, PAGE_SIZE);
    if (start >= end || num_ranges == MAX_RANGES)
        return;
    ranges[num_ranges++] = (struct range){ start, end };
    num_total += (end - start) / PAGE_SIZE;
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
        ranges[i].end = MAX(start, r.start);
        num_total -= (r.end - ranges[i].end) / PAGE_SIZE;
        if (end < r.end)
            add_range(end, r.end);
    }
}

// What the boot put in RAM: one table and one loop, rather than a call per
// region (under TCG each call site costs the boot translation blocks).
static void
reserve_boot_data(const struct hvm_start_info *si)
{
    const struct hvm_modlist_entry *mods = phys_to_virt(si->modlist_paddr);
    const struct range boot_data[] = {
        { 0, 0x100000 },   // real-mode area, BIOS data, boot structures live here
        { (uint64_t)__kernel_start - KERNEL_BASE, (uint64_t)__kernel_end - KERNEL_BASE },
        { boot_start_info, boot_start_info + sizeof(*si) },
        { si->modlist_paddr, si->modlist_paddr + si->nr_modules * sizeof(*mods) },
        { si->memmap_paddr,
          si->memmap_paddr + si->memmap_entries * sizeof(struct hvm_memmap_entry) },
        { MANIFEST_PHYS, MANIFEST_PHYS + manifest_size() }, // its strings are used where they are
    };
    uint32_t n = ARRAY_SIZE(boot_data);

    for (uint32_t i = 0; i < n + si->nr_modules; i++) {
        if (i < n)
            reserve(boot_data[i].start, boot_data[i].end);
        else
            reserve(mods[i - n].paddr, mods[i - n].paddr + mods[i - n].size);
    }
}

// The buddy allocator's table is set aside at boot, not at the first free:
// that free may come when memory is full (an OOM-killed child's pages), and
// giving pages back must not need a page. Taken off the end of the last
// range, with no search (each branch at boot is a translation block); if
// that range is too small, buddy_start allocates it as before.
static void
set_aside_buddy_table(void)
{
    struct range *r = &ranges[num_ranges - 1];
    uint64_t bytes = ALIGN_UP(max_phys / PAGE_SIZE, PAGE_SIZE);

    if (r->end - r->start >= bytes) {
        r->end -= bytes;
        buddy_meta = r->end;
        num_free -= bytes / PAGE_SIZE;
    }
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
    num_free = num_total;
    set_aside_buddy_table();
}

void
pmm_drop_above(uint64_t limit)
{
    reserve(limit, max_phys);
    num_free = num_total;
    max_phys = MIN(max_phys, limit);
}

// From the first range, on from the current one, with NPAGES left. The
// current range is stored once, after the search: a store in the loop made
// gcc keep a flag for it, and more branches for the boot to translate.
uint64_t
pmm_alloc_contig(size_t npages)
{
    uint64_t bytes = npages * PAGE_SIZE, pa;
    int i = cur_range;

    if (buddy_on)
        return buddy_alloc_run(npages);
    while (i < num_ranges && ranges[i].end - ranges[i].start < bytes)
        i++;
    cur_range = i;
    if (i == num_ranges)
        return 0;
    pa = ranges[i].start;
    ranges[i].start += bytes;
    num_free -= npages;
    return pa;
}

uint64_t
pmm_alloc_page(void)
{
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
    ASSERT(pa && !(pa & (PAGE_SIZE - 1)) && pa < max_phys);
    if (!buddy_on)
        buddy_start();
    buddy_free(pa, 0);
}

// NPAGES contiguous frames from PA, freed as the largest aligned blocks
// that tile them: a run of single pages (an address space's, released at
// its end) costs a free per block, not per page.
__after_boot void
pmm_free_run(uint64_t pa, uint64_t npages)
{
    ASSERT(pa && !(pa & (PAGE_SIZE - 1)) && pa + npages * PAGE_SIZE <= max_phys);
    if (!buddy_on)
        buddy_start();
    buddy_add_range(pa, pa + npages * PAGE_SIZE);
}

// The buddy allocator takes over what the bump pointer has not handed out.
__after_boot static void
buddy_start(void)
{
    uint64_t meta_bytes = ALIGN_UP(max_phys / PAGE_SIZE, PAGE_SIZE);
    uint64_t meta = buddy_meta ? buddy_meta : pmm_alloc_contig(meta_bytes / PAGE_SIZE);

    if (!meta)
        panic("pmm: no %lu KiB for the page allocator's table", meta_bytes / 1024);
    buddy_init(phys_to_virt(meta), max_phys);
    for (int i = cur_range; i < num_ranges; i++) {
        buddy_add_range(ranges[i].start, ranges[i].end);
        ranges[i].start = ranges[i].end;
    }
    buddy_on = true;
}

uint64_t
pmm_num_free(void)
{
    return buddy_on ? buddy_num_free() : num_free;
}
uint64_t
pmm_num_total(void)
{
    return num_total;
}
uint64_t
pmm_max_phys(void)
{
    return max_phys;
}

// Sharers of user frames beyond the first (copy-on-write after fork): one
// count per page of RAM, made at the first share, so that until a program
// forks every frame simply has its one owner.
static uint16_t *extra_refs;

__after_boot static bool
ensure_refs(void)
{
    uint64_t n = max_phys / PAGE_SIZE, bytes = ALIGN_UP(n * sizeof(uint16_t), PAGE_SIZE), pa;

    if (extra_refs)
        return true;
    if (!(pa = pmm_alloc_contig(bytes / PAGE_SIZE)))
        return false;
    extra_refs = phys_to_virt(pa);
    memset(extra_refs, 0, bytes);
    return true;
}

// The counts themselves, for loops over many frames (mm_tables.c): made
// when MAKE, else NULL until the first share made them (no frame is shared).
__after_boot uint16_t *
page_refs(bool make)
{
    if (make && !ensure_refs())
        return NULL;
    return extra_refs;
}

__after_boot bool
page_ref_get(uint64_t pa)
{
    uint16_t *r;

    if (!ensure_refs())
        return false;
    r = &extra_refs[pa / PAGE_SIZE];
    if (*r == UINT16_MAX)
        return false;
    (*r)++;
    return true;
}

__after_boot void
page_ref_put(uint64_t pa)
{
    if (extra_refs && extra_refs[pa / PAGE_SIZE]) {
        extra_refs[pa / PAGE_SIZE]--;
        return;
    }
    pmm_free_page(pa);
}

// page_ref_put for each of the NPAGES frames from PA; those freed go back
// together, as runs, not page by page.
__after_boot void
page_ref_put_run(uint64_t pa, uint64_t npages)
{
    uint64_t end = pa + npages * PAGE_SIZE, from = pa; // [from, q): frames to free

    for (uint64_t q = pa; q < end; q += PAGE_SIZE) {
        uint16_t *r = extra_refs ? &extra_refs[q / PAGE_SIZE] : NULL;
        if (!r || !*r)
            continue;
        (*r)--; // a sharer keeps it
        if (q > from)
            pmm_free_run(from, (q - from) / PAGE_SIZE);
        from = q + PAGE_SIZE;
    }
    if (end > from)
        pmm_free_run(from, (end - from) / PAGE_SIZE);
}

__after_boot bool
page_is_shared(uint64_t pa)
{
    return extra_refs && extra_refs[pa / PAGE_SIZE];
}
