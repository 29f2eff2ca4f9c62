// The one address space: where the kernel, the direct map of physical memory
// and the program live. Shared by C and assembly.
#pragma once

#define KERNEL_BASE 0xffffffff80000000
#define DIRECT_BASE 0xffff800000000000   // all physical memory, PML4 slot 256
#define USER_TOP    0x00007ffffffff000   // first byte above the program's half
#define USER_MIN    0x0000000000010000   // like vm.mmap_min_addr: page 0..15 never mapped
#define PAGE_SIZE   4096
#define PAGE_SHIFT  12

#define KSTACK_SIZE (16 * 1024)
// Where application processors start (smp.c, ap_boot.S): a page in the first
// MiB, which pmm never hands out, and its STARTUP IPI vector (page number).
#define AP_TRAMPOLINE_PHYS 0x8000

// Segment selectors: the order sysret needs (STAR: kernel CS 0x08, user base 0x18).
#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UDATA   0x23   // 0x20 | RPL 3
#define SEL_UCODE   0x2b   // 0x28 | RPL 3
#define SEL_TSS     0x30
#define GDT_ENTRIES 9      // null, five segments, the TSS's two; the last unused

// Offsets in struct percpu (kernel/arch/x86_64/percpu.h), used by the syscall entry.
#define PERCPU_SELF       0
#define PERCPU_KSTACK_TOP 8
#define PERCPU_USER_RSP   16

#ifndef __ASSEMBLER__
#include <stdint.h>
static inline void *
phys_to_virt(uint64_t pa)
{
    return (void *)(pa + DIRECT_BASE);
}
static inline uint64_t
virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v - (v >= KERNEL_BASE ? KERNEL_BASE : DIRECT_BASE);
}
#endif
