// The vDSO in the program, as Linux's x86-64 execve places it: [vvar], the
// kernel's clock page (drivers/clock.c) read-only, then [vdso], the image
// built from kernel/vdso/, read+execute; both the kernel's own frames,
// mapped whole (no faults, no copies), at a random page between the
// stack's top and the end of the 2 MiB it ends in. They are ordinary
// regions the program may unmap, move or protect (mm/vm.c, VMA_SPECIAL).
#include "exec/vdso.h"
#include "drivers/rng.h"
#include "arch/x86_64/cpu.h"
#include "drivers/clock.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "layout.h"
#include "vdso_pages.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>

#define PMD_SIZE (2ull << 20)

extern const char vdso_image[];   // vdso_image.S: VDSO_PAGES pages (Makefile)

// LEN bytes above the stack's top, within its 2 MiB; else where mmap would put them.
static uint64_t
vdso_place(struct mm *mm, uint64_t len)
{
    uint64_t start = mm->stack_top, end = MIN(ALIGN_UP(start + len, PMD_SIZE), USER_TOP) - len;

    if (end < start)
        return vm_find_free(mm, len, 0);
    return start + random_u64() % ((end - start) / PAGE_SIZE + 1) * PAGE_SIZE;
}

// Errors are ORed, not tested one by one: one branch instead of four
// (under TCG each costs boot a translation block); any of them is negative.
long
vdso_map(struct mm *mm)
{
    uint64_t base = vdso_place(mm, (1 + VDSO_PAGES) * PAGE_SIZE);
    uint64_t vvar_pa = (uint64_t)&clock_vvar - KERNEL_BASE,
             image_pa = (uint64_t)vdso_image - KERNEL_BASE;
    long ret = vm_map_backed(mm, base, PAGE_SIZE, PROT_READ, VMA_VVAR, NULL, NULL) |
               vm_map_backed(mm, base + PAGE_SIZE, VDSO_PAGES * PAGE_SIZE, PROT_READ | PROT_EXEC,
                             VMA_VDSO, NULL, NULL) |
               page_map_in(mm->pml4, base, vvar_pa, PTE_U | PTE_NX);

    for (int i = 0; i < VDSO_PAGES; i++)   // a constant: one page today, so no loop
        ret |= page_map_in(mm->pml4, base + (1 + i) * PAGE_SIZE, image_pa + i * PAGE_SIZE, PTE_U);
    mm->vdso = base + PAGE_SIZE;
    return ret;
}

// How the vDSO's getcpu reads the CPU number: set at the first getcpu
// syscall (the vDSO's own fallback), so boot does no work for it. RDPID
// is the faster; RDTSCP (QEMU's TCG has only this one) reads the TSC too.
__after_boot void
vdso_enable_getcpu(void)
{
    bool rdpid = cpuid(7, 0).ecx & (1u << 22);

    clock_vvar.v.getcpu = !cpu_features.tsc_aux ? VVAR_GETCPU_SYSCALL
                          : rdpid               ? VVAR_GETCPU_RDPID
                                                : VVAR_GETCPU_RDTSCP;
}
