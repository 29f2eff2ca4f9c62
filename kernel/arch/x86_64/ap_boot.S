// The application processors' way in. A STARTUP IPI starts a CPU in real
// mode at AP_TRAMPOLINE_PHYS (smp.c copies this code there first): it
// loads a small GDT, enters protected mode, turns on PAE, long mode and
// paging with the page table smp.c made (an identity map of the first
// 2 MiB beside the kernel's half), and jumps to the kernel's ap_main on the
// stack smp.c left in ap_stack. Intel SDM vol. 3, "Initializing IA-32e
// Mode" and "MP Initialization"; the code is never run where it is linked.
#include "layout.h"

#define AP(x) (AP_TRAMPOLINE_PHYS + ((x) - ap_trampoline))

    .section .rodata
    .align 16
    .globl ap_trampoline, ap_trampoline_end, ap_cr3, ap_stack, ap_entry
    .code16
ap_trampoline:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_gdt_ptr - ap_trampoline
    mov %cr0, %eax
    or $1, %eax                         // PE
    mov %eax, %cr0
    ljmpl $0x08, $AP(ap_protected)

    .code32
ap_protected:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $(1 << 5), %eax                  // PAE
    mov %eax, %cr4
    mov AP(ap_cr3), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx               // EFER
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax    // LME, NXE
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax                // PG, WP, PE
    mov %eax, %cr0
    ljmp $0x18, $AP(ap_long)

    .code64
ap_long:
    mov AP(ap_stack), %rsp
    mov AP(ap_entry), %rax
    jmp *%rax

    .align 8
ap_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff            // 0x08: 32-bit code
    .quad 0x00cf92000000ffff            // 0x10: data
    .quad 0x00af9a000000ffff            // 0x18: 64-bit code
ap_gdt_ptr:
    .word 4 * 8 - 1
    .long AP(ap_gdt)
    .align 8
ap_cr3:   .long 0, 0
ap_stack: .quad 0
ap_entry: .quad 0
ap_trampoline_end:
