// Program memory access. Each page of the range is checked in the page table
// and faulted in through vm_fault if needed, so the copy itself cannot fault:
// no exception fixups are needed: every CPU changes the program's mappings
// only under the kernel lock, which the copying CPU holds.
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "mm/oom.h"
#include "mm/paging.h"
#include "sched/proc.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>

static bool
page_ready(uint64_t va, bool write)
{
    uint64_t *pte = pte_lookup(va, false);
    uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);

    return pte && (*pte & need) == need;
}

long
user_range_prepare(uint64_t addr, size_t n, bool write)
{
    uint64_t end = addr + n;
    struct mm *mm = current_proc()->mm;
    long ret;

    if (n == 0)
        return 0;
    if (end < addr || end > USER_TOP)
        return -EFAULT;
    for (uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE); va < end; va += PAGE_SIZE) {
        if (page_ready(va, write))
            continue;
        ret = vm_fault(mm, va, PF_USER | (write ? PF_WRITE : 0));
        if (ret == -ENOMEM) {
            oom_kill_current(va);       // as the program's own access would: killed on return
            return -ENOMEM;
        }
        if (ret < 0 || !page_ready(va, write))
            return -EFAULT;
    }
    return 0;
}

// The copy between stac and clac, in line rather than a call to memcpy: QEMU
// keys its translations on EFLAGS.AC, so code run with AC set is translated
// apart from the same code run without, and memcpy would be translated twice.
// (Hence no loop distribution either: it would turn the loop into that call.)
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static void
copy_with_access(void *dst, const void *src, size_t n)
{
    user_access_begin();
    copy_forward(dst, src, n);
    user_access_end();
}

long
copy_from_user(void *dst, const void __user *src, size_t n)
{
    long ret = user_range_prepare((uint64_t)src, n, false);

    if (ret < 0)
        return ret;
    copy_with_access(dst, src, n);
    return 0;
}

long
copy_to_user(void __user *dst, const void *src, size_t n)
{
    long ret = user_range_prepare((uint64_t)dst, n, true);

    if (ret < 0)
        return ret;
    copy_with_access(dst, src, n);
    return 0;
}

long
clear_user(void __user *dst, size_t n)
{
    long ret = user_range_prepare((uint64_t)dst, n, true);

    if (ret < 0)
        return ret;
    size_t words = n / 8, tail = n % 8;

    user_access_begin();     // in line, not memset: see copy_with_access
    __asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(0ul) : "memory");
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(0ul) : "memory");
    user_access_end();
    return 0;
}

// Page by page, so a string that ends just before an unmapped page is fine.
long
strncpy_from_user(char *dst, const char __user *src, size_t max)
{
    uint64_t addr = (uint64_t)src;
    size_t len = 0;

    while (len < max) {
        size_t chunk = MIN(PAGE_SIZE - ((addr + len) & (PAGE_SIZE - 1)), max - len);
        if (user_range_prepare(addr + len, chunk, false) < 0)
            return -EFAULT;
        user_access_begin();
        for (size_t i = 0; i < chunk; i++, len++) {
            dst[len] = ((const char *)addr)[len];
            if (!dst[len]) {
                user_access_end();
                return len;
            }
        }
        user_access_end();
    }
    return -ENAMETOOLONG;
}

// Atomic compare-and-exchange on a program's 32-bit word, as other threads
// may change it from user mode at the same time (futex WAKE_OP, PI futexes).
// *CUR gets the value found; the store happened if it equals EXPECTED.
__after_boot long
user_cmpxchg_u32(uint32_t __user *p, uint32_t expected, uint32_t new, uint32_t *cur)
{
    long ret = user_range_prepare((uint64_t)p, sizeof(*p), true);

    if (ret < 0)
        return ret;
    user_access_begin();
    __asm__ volatile("lock cmpxchgl %2, %1"
                     : "+a"(expected), "+m"(*(volatile uint32_t *)p)
                     : "r"(new)
                     : "memory");
    user_access_end();
    *cur = expected;
    return 0;
}

// The length of the program's string at SRC, NUL included, looking at no
// more than MAX bytes: -EFAULT, or MAX + 1 when it is longer.
__after_boot long
strnlen_user(const char __user *src, size_t max)
{
    uint64_t addr = (uint64_t)src;
    size_t len = 0;

    while (len < max) {
        size_t chunk = MIN(PAGE_SIZE - ((addr + len) & (PAGE_SIZE - 1)), max - len);
        if (user_range_prepare(addr + len, chunk, false) < 0)
            return -EFAULT;
        user_access_begin();
        for (size_t i = 0; i < chunk; i++, len++) {
            if (!((const char *)addr)[len]) {
                user_access_end();
                return len + 1;
            }
        }
        user_access_end();
    }
    return max + 1;
}
