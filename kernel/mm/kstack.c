// Kernel stacks (kstack.h): slots of KSTACK_SLOT bytes from KSTACK_BASE, the
// stack at the top of each and the rest unmapped.
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "layout.h"
#include "log.h"

#define KSTACK_BASE  0xffffc00000000000ull   // PML4 slot 384, nothing else there
#define KSTACK_SLOT  (2 * KSTACK_SIZE)        // the stack, and as much guard below it
#define KSTACK_SLOTS 65536

struct free_stack {
    struct free_stack *next;
};

static struct free_stack *free_stacks;   // each at the bottom of a mapped, unused stack
static uint64_t next_slot;

__after_boot static bool
map_stack(uint64_t bottom)
{
    for (uint64_t va = bottom; va < bottom + KSTACK_SIZE; va += PAGE_SIZE) {
        uint64_t pa = pmm_alloc_page();
        if (!pa || page_map(va, pa, PTE_W | PTE_G | PTE_NX) < 0) {
            if (pa)
                pmm_free_page(pa);
            return false;       // the slot is burnt: its pages so far stay mapped, unused
        }
    }
    return true;
}

__after_boot uint64_t
kstack_alloc(void)
{
    uint64_t bottom;

    if (free_stacks) {
        struct free_stack *s = free_stacks;
        free_stacks = s->next;
        return (uint64_t)s + KSTACK_SIZE;
    }
    if (next_slot == KSTACK_SLOTS)
        return 0;
    bottom = KSTACK_BASE + next_slot++ * KSTACK_SLOT + KSTACK_SLOT - KSTACK_SIZE;
    return map_stack(bottom) ? bottom + KSTACK_SIZE : 0;
}

__after_boot void
kstack_free(uint64_t top)
{
    struct free_stack *s = (struct free_stack *)(top - KSTACK_SIZE);

    s->next = free_stacks;
    free_stacks = s;
}

// For the panic report of a kernel fault: an address in a guard means the
// stack above it overflowed. The image's boot and first-thread stacks have
// guards of their own (kernel.ld), STACK_GUARD_SIZE = KSTACK_SIZE bytes each.
__after_boot bool
kstack_is_guard(uint64_t addr)
{
    extern char __boot_stack_guard[], __init_kstack_guard[];

    if (addr - (uint64_t)__boot_stack_guard < KSTACK_SIZE ||
        addr - (uint64_t)__init_kstack_guard < KSTACK_SIZE)
        return true;
    if (addr < KSTACK_BASE || addr >= KSTACK_BASE + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT)
        return false;
    return (addr - KSTACK_BASE) % KSTACK_SLOT < KSTACK_SLOT - KSTACK_SIZE;
}
