// Memory lock syscalls: mlock, mlock2, munlock, mlockall, munlockall, with
// Linux's checks in Linux's order; the regions' work is in mm/mlock.c. A
// user without CAP_IPC_LOCK (root has it) is held to RLIMIT_MEMLOCK: EPERM
// when it is zero, ENOMEM when a lock would go over it.
#include "types.h"
#include "syscalls.h"
#include "mm/vm.h"
#include "mm/mlock.h"
#include "sched/proc.h"
#include "sched/caps.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <linux/mman.h>
#include <linux/capability.h>
#include <linux/resource.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static struct mm *
mm(void)
{
    return current_proc()->mm;
}

// Whether locking [start, start+len) stays under the limit: pages already
// locked inside the range are not counted twice. Counted in pages, as
// Linux, so that a length near SIZE_MAX does not wrap.
static bool
within_limit(uint64_t start, uint64_t len)
{
    struct proc *p = current_proc();
    uint64_t limit = p->rlimits[RLIMIT_MEMLOCK].cur / PAGE_SIZE;
    uint64_t locked = vm_locked_bytes(mm(), 0, UINT64_MAX) / PAGE_SIZE + len / PAGE_SIZE;
    uint64_t end = start + len < start ? UINT64_MAX : start + len;

    if (locked <= limit || proc_capable(p, CAP_IPC_LOCK))
        return true;
    return locked - vm_locked_bytes(mm(), start, end) / PAGE_SIZE <= limit;
}

// The page-aligned range of (ADDR, LEN) as Linux takes it: the length grows
// by the offset into the first page and is rounded up, wrapping to 0 for a
// length near SIZE_MAX (which then locks nothing).
static void
page_range(unsigned long addr, size_t len, uint64_t *start, uint64_t *alen)
{
    *alen = ALIGN_UP((uint64_t)len + (addr & (PAGE_SIZE - 1)), PAGE_SIZE);
    *start = ALIGN_DOWN(addr, PAGE_SIZE);
}

// Lock (LOCK has VMA_LOCKED) or unlock the range, then fault the pages in.
static long
apply_lock(uint64_t start, uint64_t len, uint32_t lock)
{
    long ret;

    if (start + len < start)
        return -EINVAL;
    if (!len)
        return 0;
    if ((ret = vm_lock_range(mm(), start, start + len, lock)) < 0)
        return ret;
    if (!lock)
        return 0;
    ret = vm_populate(mm(), start, start + len, false);
    if (ret == -EFAULT)
        return -ENOMEM;    // as Linux: a range it cannot fault in (PROT_NONE) is ENOMEM
    return ret == -ENOMEM ? -EAGAIN : ret;
}

static long
do_mlock(unsigned long addr, size_t len, uint32_t lock)
{
    uint64_t start, alen;

    if (!vm_may_lock())
        return -EPERM;
    page_range(addr, len, &start, &alen);
    if (!within_limit(start, alen))
        return -ENOMEM;
    return apply_lock(start, alen, lock);
}

long
sys_mlock(unsigned long start, size_t len)
{
    return do_mlock(start, len, VMA_LOCKED);
}

long
sys_mlock2(unsigned long start, size_t len, int flags)
{
    if (flags & ~MLOCK_ONFAULT)
        return -EINVAL;
    return do_mlock(start, len, VMA_LOCKED | (flags & MLOCK_ONFAULT ? VMA_LOCKONFAULT : 0));
}

long
sys_munlock(unsigned long start, size_t len)
{
    uint64_t astart, alen;

    page_range(start, len, &astart, &alen);
    return apply_lock(astart, alen, 0);
}

long
sys_mlockall(int flags)
{
    struct proc *p = current_proc();
    uint32_t onfault = flags & MCL_ONFAULT ? VMA_LOCKONFAULT : 0;

    if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
        return -EINVAL;
    if (!vm_may_lock())
        return -EPERM;
    if ((flags & MCL_CURRENT) && !proc_capable(p, CAP_IPC_LOCK) &&
        vm_total_bytes(mm()) > ALIGN_DOWN(p->rlimits[RLIMIT_MEMLOCK].cur, PAGE_SIZE))
        return -ENOMEM;
    mm()->lock_future = flags & MCL_FUTURE ? VMA_LOCKED | onfault : 0;
    if (flags & MCL_CURRENT) {
        vm_lock_all(mm(), VMA_LOCKED | onfault);
        vm_populate(mm(), 0, USER_TOP, true);   // as Linux: what cannot be faulted in is skipped
    }
    return 0;
}

long
sys_munlockall(void)
{
    mm()->lock_future = 0;
    vm_lock_all(mm(), 0);
    return 0;
}
