// Saving and loading a thread's FPU state (fpu.h). The whole enabled set
// (XCR0) is saved each time; xsaveopt would skip unmodified components but
// its tracking assumes one area per CPU, not per thread moving between CPUs.
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "mm/pmm.h"
#include "lib/string.h"
#include "layout.h"

#define XSAVE_HDR 512

__after_boot void *
fpu_area_alloc(void)
{
    uint64_t pa = pmm_alloc_page();
    uint8_t *area;

    if (!pa)
        return NULL;
    // xsave leaves the header's reserved bytes alone, and xrstor faults
    // unless they are zero.
    area = phys_to_virt(pa);
    memset(area + XSAVE_HDR, 0, 64);
    return area;
}

__after_boot void
fpu_area_free(void *area)
{
    if (area)
        pmm_free_page(virt_to_phys(area));
}

__after_boot void
fpu_save(void *area)
{
    uint64_t m = cpu_features.xcr0;

    if (!cpu_features.xsave) {
        __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])area));
        return;
    }
    __asm__ volatile("xsave64 %0"
                     : "+m"(*(uint8_t(*)[PAGE_SIZE])area)
                     : "a"((uint32_t)m), "d"((uint32_t)(m >> 32)));
}

__after_boot void
fpu_restore(const void *area)
{
    uint64_t m = cpu_features.xcr0;

    if (!cpu_features.xsave)
        __asm__ volatile("fxrstor64 %0" ::"m"(*(const uint8_t(*)[512])area));
    else
        __asm__ volatile("xrstor64 %0" ::"m"(*(const uint8_t(*)[PAGE_SIZE])area), "a"((uint32_t)m),
                         "d"((uint32_t)(m >> 32)));
}
