// Kernel heap: power-of-two size classes from 16 to 2048 bytes carved out of
// single pages, and whole pages for anything larger. Every page starts with a
// header saying which, so kfree needs no size.
#include "mm/heap.h"
#include "mm/pmm.h"
#include "layout.h"
#include "lib/string.h"
#include "log.h"

#define HEAP_MAGIC_SMALL 0x534d414c   // "SMAL"
#define HEAP_MAGIC_LARGE 0x4c415247   // "LARG"
#define NUM_CLASSES      8                 // 16 << 0 .. 16 << 7 = 2048
#define HEADER_SIZE      16

struct page_header {
    uint32_t magic;
    uint32_t value;     // object size (small) or number of pages (large)
    uint64_t pad;
};

struct free_obj {
    struct free_obj *next;
};
static struct free_obj *free_lists[NUM_CLASSES];

// The smallest class whose objects (16 << class bytes) hold SIZE, 1..2048 bytes:
// from the highest set bit, without a loop (a loop costs boot translation blocks).
static int
size_class(size_t size)
{
    return 60 - __builtin_clzll((size - 1) | 15);
}

// Carve a fresh page into objects of class C.
static bool
refill(int c)
{
    uint64_t pa = pmm_alloc_page();
    size_t obj = 16u << c;
    char *page;

    if (!pa)
        return false;
    page = phys_to_virt(pa);
    *(struct page_header *)page = (struct page_header){ HEAP_MAGIC_SMALL, obj, 0 };
    // The header takes the first object slot (or its first 16 bytes for class 0).
    for (size_t off = MAX(obj, HEADER_SIZE); off + obj <= PAGE_SIZE; off += obj) {
        struct free_obj *o = (struct free_obj *)(page + off);
        o->next = free_lists[c];
        free_lists[c] = o;
    }
    return true;
}

static void *
alloc_large(size_t size)
{
    size_t npages = ALIGN_UP(size + HEADER_SIZE, PAGE_SIZE) / PAGE_SIZE;
    uint64_t pa = pmm_alloc_contig(npages);
    struct page_header *h;

    if (!pa)
        return NULL;
    h = phys_to_virt(pa);
    *h = (struct page_header){ HEAP_MAGIC_LARGE, npages, 0 };
    return (char *)h + HEADER_SIZE;
}

void *
kmalloc(size_t size)
{
    int c;
    struct free_obj *o;

    if (size > (16u << (NUM_CLASSES - 1)))
        return alloc_large(size);
    c = size_class(size ? size : 1);
    if (!free_lists[c] && !refill(c))
        return NULL;
    o = free_lists[c];
    free_lists[c] = o->next;
    return o;
}

void *
kzalloc(size_t size)
{
    void *p = kmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void
kfree(void *p)
{
    struct page_header *h;

    if (!p)
        return;
    h = (struct page_header *)ALIGN_DOWN((uint64_t)p, PAGE_SIZE);
    if (h->magic == HEAP_MAGIC_LARGE) {
        // Read the count first: freeing the first page writes the free list's link over the header.
        uint64_t pa = virt_to_phys(h), npages = h->value;
        for (uint64_t i = 0; i < npages; i++)
            pmm_free_page(pa + i * PAGE_SIZE);
        return;
    }
    ASSERT(h->magic == HEAP_MAGIC_SMALL);
    struct free_obj *o = p;
    int c = size_class(h->value);
    o->next = free_lists[c];
    free_lists[c] = o;
}

char *
kstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = kmalloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}
