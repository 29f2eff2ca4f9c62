// A buddy allocator: free memory as blocks of 2^order pages aligned to
// their size, one list per order; a freed block merges with its buddy (the
// block it would have been split from) while that one is free too, so
// single pages freed one by one become runs again. A byte per page says
// whether a block starting there is free and of which order. The lists are
// threaded through the free blocks themselves, doubly linked, so a buddy
// is taken off its list at once.
#include "mm/pmm_buddy.h"
#include "layout.h"
#include "log.h"

#define MAX_ORDER 10                // 4 MiB blocks
#define FREE_HEAD 0x80              // meta: a free block starts here (order in the low bits)

struct free_block {
    uint64_t next, prev;            // physical addresses, 0 = none
};

static uint8_t *meta;
static uint64_t limit;
static uint64_t lists[MAX_ORDER + 1];
static uint64_t free_pages;

static struct free_block *
block(uint64_t pa)
{
    return phys_to_virt(pa);
}

static void
list_add(uint64_t pa, int order)
{
    struct free_block *b = block(pa);

    b->prev = 0;
    b->next = lists[order];
    if (lists[order])
        block(lists[order])->prev = pa;
    lists[order] = pa;
    meta[pa / PAGE_SIZE] = FREE_HEAD | order;
}

static void
list_remove(uint64_t pa, int order)
{
    struct free_block *b = block(pa);

    if (b->prev)
        block(b->prev)->next = b->next;
    else
        lists[order] = b->next;
    if (b->next)
        block(b->next)->prev = b->prev;
    meta[pa / PAGE_SIZE] = 0;
}

__after_boot void
buddy_init(uint8_t *m, uint64_t max_phys)
{
    meta = m;
    limit = max_phys;
    for (uint64_t i = 0; i < max_phys / PAGE_SIZE; i++)
        meta[i] = 0;
}

__after_boot void
buddy_free(uint64_t pa, int order)
{
    free_pages += 1ull << order;
    while (order < MAX_ORDER) {
        uint64_t buddy = pa ^ (PAGE_SIZE << order);
        if (buddy >= limit || meta[buddy / PAGE_SIZE] != (FREE_HEAD | order))
            break;
        list_remove(buddy, order);
        pa = MIN(pa, buddy);
        order++;
    }
    list_add(pa, order);
}

// The largest aligned blocks that tile [start, end).
__after_boot void
buddy_add_range(uint64_t start, uint64_t end)
{
    while (start < end) {
        int order = 0;
        while (order < MAX_ORDER && !(start & (PAGE_SIZE << order)) &&
               start + (PAGE_SIZE << (order + 1)) <= end)
            order++;
        buddy_free(start, order);
        start += PAGE_SIZE << order;
    }
}

static uint64_t
alloc_order(int order)
{
    int o = order;
    uint64_t pa;

    while (o <= MAX_ORDER && !lists[o])
        o++;
    if (o > MAX_ORDER)
        return 0;
    pa = lists[o];
    list_remove(pa, o);
    while (o > order) {             // split: the upper halves stay free
        o--;
        list_add(pa + (PAGE_SIZE << o), o);
    }
    free_pages -= 1ull << order;
    return pa;
}

// A block of the smallest order that holds NPAGES; the pages past NPAGES
// go back at once (they merge among themselves).
__after_boot uint64_t
buddy_alloc_run(uint64_t npages)
{
    int order = 0;
    uint64_t pa;

    while ((1ull << order) < npages)
        if (++order > MAX_ORDER)
            return 0;
    if (!(pa = alloc_order(order)))
        return 0;
    for (uint64_t i = npages; i < (1ull << order); i++)
        buddy_free(pa + i * PAGE_SIZE, 0);
    return pa;
}

__after_boot uint64_t
buddy_num_free(void)
{
    return free_pages;
}
