// PVH entry. QEMU starts us in 32-bit protected mode with paging off and %ebx
// holding the physical address of struct hvm_start_info. We build a temporary
// page table (identity + direct map of 4 GiB, kernel at -2 GiB), enter long
// mode, jump to the upper half and call kmain. mm/paging.c replaces the table.
#include "layout.h"

#define V2P(x) ((x) - KERNEL_BASE)

    .section .note.Xen, "a"
    .align 4
    .long 4                     // name size: "Xen\0"
    .long 4                     // descriptor size
    .long 18                    // XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long V2P(pvh_entry)

    .section .text.boot, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %esi                      // keep start_info across rdtsc and loops
    // Zero .bss first: it holds the boot page tables, the stack and boot_tsc.
    mov $V2P(__bss_start), %edi
    mov $V2P(__bss_end), %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    rdtsc
    mov %eax, V2P(boot_tsc)
    mov %edx, V2P(boot_tsc) + 4
    mov %esi, V2P(boot_start_info)
    mov $V2P(boot_stack_top), %esp

    // Four page directories of 2 MiB pages: physical 0..4 GiB.
    mov $V2P(boot_pd), %edi
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                      // present | writable | 2 MiB page
    mov %eax, (%edi,%ecx,8)
    mov %ecx, %eax
    shr $11, %eax                       // high bits of the physical address
    mov %eax, 4(%edi,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jb 1b

    // boot_pdpt: slots 0..3 point at the four directories.
    mov $V2P(boot_pdpt), %edi
    mov $V2P(boot_pd) + 3, %eax
    mov %eax, 0(%edi)
    add $4096, %eax
    mov %eax, 8(%edi)
    add $4096, %eax
    mov %eax, 16(%edi)
    add $4096, %eax
    mov %eax, 24(%edi)
    // boot_pdpt_high: slot 510 maps -2 GiB to physical 0..1 GiB.
    mov $V2P(boot_pdpt_high), %edi
    mov $V2P(boot_pd) + 3, %eax
    mov %eax, 510*8(%edi)

    mov $V2P(boot_pml4), %edi
    mov $V2P(boot_pdpt) + 3, %eax
    mov %eax, 0(%edi)                   // identity, only until we run high
    mov %eax, 256*8(%edi)               // DIRECT_BASE
    mov $V2P(boot_pdpt_high) + 3, %eax
    mov %eax, 511*8(%edi)

    mov %edi, %cr3
    mov %cr4, %eax
    or $(1 << 5), %eax                  // PAE
    mov %eax, %cr4
    mov $0xc0000080, %ecx               // EFER
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax    // LME, NXE
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax                // PG, WP, PE
    mov %eax, %cr0
    lgdt V2P(boot_gdt_ptr)
    ljmp $SEL_KCODE, $V2P(boot_long)

    .code64
boot_long:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $boot_high, %rax
    jmp *%rax
boot_high:
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp
    call kmain
2:  hlt
    jmp 2b

    .section .rodata
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            // 0x08: 64-bit code
    .quad 0x00cf92000000ffff            // 0x10: data
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long V2P(boot_gdt)

    .section .bss
    .align 4096
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt:      .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
    .globl boot_stack_top
boot_stack:     .skip KSTACK_SIZE
boot_stack_top:
    .align 8
    .globl boot_tsc, boot_start_info
boot_tsc:        .quad 0
boot_start_info: .quad 0
