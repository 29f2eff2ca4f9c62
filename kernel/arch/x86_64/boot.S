// PVH entry. QEMU starts us in 32-bit protected mode with paging off and %ebx
// holding the physical address of struct hvm_start_info. We load the page
// table the kernel keeps (mm/paging.c only drops the identity slot and maps
// RAM above 4 GiB), enter long mode, jump to the upper half and call kmain.
// The page table is static data, made at build time (below, and kernel.ld
// for the image's pages): under TCG every distinct instruction run at boot
// costs about a microsecond, and the loops that filled it cost about 100.
//
//   PML4[0]   identity of the first GiB (one 1 GiB page), until we run high
//   PML4[256] DIRECT_BASE: physical 0..4 GiB, 1 GiB pages, no-execute, global;
//             3..4 GiB (the MMIO hole) uncached
//   PML4[511] the kernel image at KERNEL_BASE + 1 MiB in 4 KiB pages: text
//             read-only and executable, rodata read-only, data and bss
//             writable; all but text no-execute
//
// 1 GiB pages (CPUID pdpe1gb) are required; every x86-64 CPU QEMU offers with
// -cpu max, and every host CPU KVM runs on since 2010, has them.
#include "layout.h"

#define V2P(x) ((x) - KERNEL_BASE)
#define PTE_PW  0x003           // present | writable
#define PTE_PS  0x080           // large page
#define PTE_G   0x100           // global
#define PTE_UC  0x018           // cache disabled, write-through
#define NX_HIGH 0x80000000      // bit 63, in the high dword
#define NX      0x8000000000000000
#define GIB_PAGE(n) ((n) << 30 | PTE_PW | PTE_PS | PTE_G)

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
    rdtsc                               // boot time counts from here
    mov %eax, V2P(boot_tsc)
    mov %edx, V2P(boot_tsc) + 4
    // .bss is already zero: ELF says the bytes of a segment past its file
    // size are, and QEMU's ELF loader fills them so. Zeroing it again cost
    // 60 us of boot under TCG.
    mov %ebx, V2P(boot_start_info)
    mov $V2P(boot_stack_top), %esp

    mov $0x80000001, %eax
    cpuid
    mov %edx, V2P(boot_cpuid_ext_edx)   // cpu_detect reads RDTSCP from it
    bt $26, %edx                        // pdpe1gb
    jnc map_with_2mib_pages

paging_on:
    mov $V2P(boot_pml4), %eax
    mov %eax, %cr3
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

    .code32
// Without 1 GiB pages (KVM's kvm_pvm offers none): the same 4 GiB of direct
// map in 2 MiB pages, and the first GiB identity-mapped, executable, for the
// jump to long mode. Every entry of those tables is written, so they need no
// zeroing (.noinit). The PDPT entries keep their static high half, NX: all of
// the direct map is no-execute anyway. Never run, so never translated, where
// pdpe1gb exists.
map_with_2mib_pages:
    xor %ecx, %ecx                      // the 2 MiB page number, 0 .. 2047
1:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_PW | PTE_PS | PTE_G), %eax
    cmp $1536, %ecx
    jb 2f
    or $PTE_UC, %eax                    // 3-4 GiB: the MMIO hole, uncached
2:  mov %eax, V2P(boot_pd_direct)(,%ecx,8)
    movl $NX_HIGH, V2P(boot_pd_direct) + 4(,%ecx,8)
    cmp $512, %ecx
    jae 3f
    and $~PTE_G, %eax
    mov %eax, V2P(boot_pd_identity)(,%ecx,8)
    movl $0, V2P(boot_pd_identity) + 4(,%ecx,8)
3:  inc %ecx
    cmp $2048, %ecx
    jb 1b
    movl $V2P(boot_pt_direct0) + PTE_PW, V2P(boot_pd_direct)   // text, rodata read-only
    movl $V2P(boot_pd_direct) + PTE_PW, V2P(boot_pdpt_direct)
    movl $V2P(boot_pd_direct) + 4096 + PTE_PW, V2P(boot_pdpt_direct) + 8
    movl $V2P(boot_pd_direct) + 2 * 4096 + PTE_PW, V2P(boot_pdpt_direct) + 16
    movl $V2P(boot_pd_direct) + 3 * 4096 + PTE_PW, V2P(boot_pdpt_direct) + 24
    movl $V2P(boot_pd_identity) + PTE_PW, V2P(boot_pdpt_identity)
    jmp paging_on

    .section .rodata
    .align 16
boot_gdt_ptr:                           // gdt.c's GDT, at its physical address
    .word GDT_ENTRIES * 8 - 1
    .long V2P(gdt)

    // The page tables, as data: what they hold is known at link time, and
    // filling them in at boot cost translation time (the image's page
    // table, boot_pt_kernel, is made by kernel.ld).
    .data
    .align 4096
    .globl boot_pml4, boot_pdpt_direct
boot_pml4:
    .quad V2P(boot_pdpt_identity) + PTE_PW
    .skip 255 * 8
    .quad V2P(boot_pdpt_direct) + PTE_PW
    .skip 254 * 8
    .quad V2P(boot_pdpt_kernel) + PTE_PW
boot_pdpt_identity:
    .quad GIB_PAGE(0)
    .skip 511 * 8
boot_pdpt_direct:                       // GiB 0 in smaller pages (kernel.ld): see boot_pd_direct0
    .quad V2P(boot_pd_direct0) + PTE_PW + NX, GIB_PAGE(1) | NX, GIB_PAGE(2) | NX, GIB_PAGE(3) | PTE_UC | NX
    .skip 508 * 8
boot_pdpt_kernel:
    .skip 510 * 8
    .quad V2P(boot_pd_kernel) + PTE_PW
    .quad 0
boot_pd_kernel:
    .quad V2P(boot_pt_kernel) + PTE_PW
    .skip 511 * 8

    .section .bss
    .align 8
    .globl boot_tsc, boot_start_info, boot_cpuid_ext_edx
boot_tsc:        .quad 0
boot_start_info: .quad 0
boot_cpuid_ext_edx: .long 0

    // Stacks need no zeroing: not in .bss (kernel.ld).
    // The boot stack has a guard below it (kernel.ld).
    .section .noinit.boot_stack, "aw", @nobits
    .align 4096
    .globl boot_stack_top
boot_stack:     .skip KSTACK_SIZE
boot_stack_top:

    .section .noinit, "aw", @nobits
    .align 4096
boot_pd_direct:     .skip 4 * 4096      // only without 1 GiB pages
boot_pd_identity:   .skip 4096
