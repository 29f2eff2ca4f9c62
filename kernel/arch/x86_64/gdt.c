// GDT in the order syscall/sysret require (kernel code, kernel data, then a
// 32-bit user code slot, user data, user code), and the TSS whose rsp0 is the
// stack the CPU switches to on an interrupt from ring 3. IST1 gives double
// faults a stack of their own so a kernel stack overflow still reports.
// Both are static data: boot.S loads this GDT and its segments already.
#include "arch/x86_64/gdt.h"
#include "layout.h"
#include "arch/x86_64/percpu.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 0x68, "kernel.ld's TSS descriptor says limit 0x67");

static uint8_t double_fault_stack[4096] __attribute__((aligned(16), section(".noinit")));

// Global: kernel.ld cuts its address into the GDT's TSS descriptor.
struct tss tss = {
    .ist[0] = (uint64_t)double_fault_stack + sizeof(double_fault_stack),
    .iomap_base = sizeof(struct tss),   // no I/O bitmap: ring 3 gets no ports
};

// kernel.ld: the two halves of the TSS descriptor, as symbol values.
extern char gdt_tss_low[], gdt_tss_high[];

// Global: boot.S loads it before long mode.
uint64_t gdt[GDT_ENTRIES] = {
    [SEL_KCODE / 8] = 0x00af9a000000ffff,   // kernel code, 64-bit
    [SEL_KDATA / 8] = 0x00cf92000000ffff,   // kernel data
    [3] = 0x00cffa000000ffff,               // user code, 32-bit (unused; sysret layout)
    [SEL_UDATA / 8] = 0x00cff2000000ffff,   // user data
    [SEL_UCODE / 8] = 0x00affa000000ffff,   // user code, 64-bit
    [SEL_TSS / 8] = (uint64_t)gdt_tss_low,
    [SEL_TSS / 8 + 1] = (uint64_t)gdt_tss_high,
};

// boot.S loaded the GDT at its physical address and the kernel's segments
// from it; here it moves to its virtual one (the identity map goes away in
// paging_init) and the TSS is loaded.
void
gdt_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

    __asm__ volatile("lgdt %0" ::"m"(ptr));
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

void
gdt_set_rsp0(struct percpu *c, uint64_t top)
{
    ((struct tss *)c->tss)->rsp[0] = top;
}

// An application processor's GDT and TSS: the boot CPU's GDT with a TSS
// descriptor of its own (Intel SDM vol. 3, "TSS Descriptor in 64-bit mode"),
// and a double-fault stack of its own. 0 or -ENOMEM.
__after_boot long
gdt_make_ap(struct percpu *c)
{
    struct tss *t = kzalloc(sizeof(*t));
    uint64_t *g = kmalloc(sizeof(gdt));
    uint8_t *df = kmalloc(PAGE_SIZE);
    uint64_t base;

    if (!t || !g || !df)
        return -ENOMEM;
    t->ist[0] = (uint64_t)df + PAGE_SIZE;
    t->iomap_base = sizeof(struct tss);
    base = (uint64_t)t;
    memcpy(g, gdt, sizeof(gdt));
    g[SEL_TSS / 8] = 0x67 | (base & 0xffffff) << 16 | 0x89ull << 40 | ((base >> 24) & 0xff) << 56;
    g[SEL_TSS / 8 + 1] = base >> 32;
    c->tss = t;
    c->gdt = g;
    return 0;
}

// Load C's GDT and TSS on the CPU running this (an application processor).
__after_boot void
gdt_load_ap(struct percpu *c)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed ptr = { sizeof(gdt) - 1, (uint64_t)c->gdt };

    __asm__ volatile("lgdt %0" ::"m"(ptr));
    // The trampoline's code segment is another GDT's: reload CS and the
    // data segments from this one.
    __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" ::"i"(SEL_KCODE)
                     : "rax", "memory");
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" ::"r"(SEL_KDATA));
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}
