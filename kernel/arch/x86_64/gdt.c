// GDT in the order syscall/sysret require (kernel code, kernel data, then a
// 32-bit user code slot, user data, user code), and the TSS whose rsp0 is the
// stack the CPU switches to on an interrupt from ring 3. IST1 gives double
// faults a stack of their own so a kernel stack overflow still reports.
#include "arch/x86_64/gdt.h"
#include "layout.h"
#include "lib/string.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;

static struct tss tss;
static uint64_t gdt[9];
static uint8_t double_fault_stack[4096] __attribute__((aligned(16), section(".noinit")));

static void
set_tss_descriptor(void)
{
    uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

    gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[SEL_TSS / 8 + 1] = base >> 32;
}

void
gdt_init(void)
{
    struct { uint16_t limit; uint64_t base; } __packed ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

    gdt[1] = 0x00af9a000000ffff;   // 0x08 kernel code, 64-bit
    gdt[2] = 0x00cf92000000ffff;   // 0x10 kernel data
    gdt[3] = 0x00cffa000000ffff;   // 0x18 user code, 32-bit (unused; sysret layout)
    gdt[4] = 0x00cff2000000ffff;   // 0x20 user data
    gdt[5] = 0x00affa000000ffff;   // 0x28 user code, 64-bit
    tss.iomap_base = sizeof(tss);  // no I/O bitmap: ring 3 gets no ports
    tss.ist[0] = (uint64_t)double_fault_stack + sizeof(double_fault_stack);
    set_tss_descriptor();

    __asm__ volatile("lgdt %0" ::"m"(ptr));
    __asm__ volatile(
        "mov %0, %%ds; mov %0, %%es; mov %0, %%ss\n"
        "pushq %1; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
        ::"r"((uint64_t)SEL_KDATA), "i"(SEL_KCODE) : "rax", "memory");
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

void
tss_set_kernel_stack(uint64_t top)
{
    tss.rsp[0] = top;
}
