// Memory locks. This kernel never swaps, so a lock has two effects only:
// the pages are faulted in at once (unless locked on fault), and the
// locked amount counts against RLIMIT_MEMLOCK. The amount is not kept in
// a counter: it is the size of the regions marked VMA_LOCKED, summed.
#include "mm/mlock.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "sched/proc.h"
#include "sched/caps.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <linux/capability.h>
#include <linux/resource.h>

uint64_t
vm_locked_bytes(struct mm *mm, uint64_t start, uint64_t end)
{
    uint64_t n = 0;

    for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
        if ((v->flags & VMA_LOCKED) && v->end > start)
            n += MIN(v->end, end) - MAX(v->start, start);
    return n;
}

uint64_t
vm_total_bytes(struct mm *mm)
{
    uint64_t n = 0;

    for (struct vma *v = mm->vmas; v; v = v->next)
        n += v->end - v->start;
    return n;
}

// Give the part [start, end) of V the lock bits LOCK, splitting V around
// it. [vdso] and [vvar] stay unlocked and uncounted, as Linux's special
// mappings do.
static long
lock_part(struct vma *v, uint64_t start, uint64_t end, uint32_t lock)
{
    long ret;

    if ((v->flags & VMA_SPECIAL) || (v->flags & VMA_LOCK_MASK) == lock)
        return 0;
    if (v->start < start) {
        if ((ret = vm_split(v, start)) < 0)
            return ret;
        v = v->next;
    }
    if (v->end > end && (ret = vm_split(v, end)) < 0)
        return ret;
    v->flags = (v->flags & ~VMA_LOCK_MASK) | lock;
    return 0;
}

long
vm_lock_range(struct mm *mm, uint64_t start, uint64_t end, uint32_t lock)
{
    uint64_t stop;
    long ret;

    for (uint64_t at = start; at < end; at = stop) {
        struct vma *v = vma_find(mm, at);
        if (!v)
            return -ENOMEM;
        stop = MIN(v->end, end);
        if ((ret = lock_part(v, at, stop, lock)) < 0)
            return ret;
    }
    return 0;
}

void
vm_lock_all(struct mm *mm, uint32_t lock)
{
    for (struct vma *v = mm->vmas; v; v = v->next)
        if (!(v->flags & VMA_SPECIAL))
            v->flags = (v->flags & ~VMA_LOCK_MASK) | lock;
}

// Fault in V's pages in [start, end): a write fault in a private writable
// region, so that a copy-on-write page gets its own copy now (Linux's
// FOLL_WRITE), a read fault elsewhere (a shared page is not dirtied).
static long
populate_part(struct mm *mm, const struct vma *v, uint64_t start, uint64_t end)
{
    bool write = (v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED);
    long ret;

    if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EFAULT;
    for (uint64_t va = start; va < end; va += PAGE_SIZE)
        if ((ret = vm_fault(mm, va, PF_USER | (write ? PF_WRITE : 0))) < 0)
            return ret;
    return 0;
}

long
vm_populate(struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors)
{
    long ret;

    for (struct vma *v = mm->vmas; v && v->start < end; v = v->next) {
        if (v->end <= start || (v->flags & VMA_SPECIAL))
            continue;
        if (v->flags & VMA_LOCKONFAULT)
            continue;   // locked as it is touched: only what is there now
        ret = populate_part(mm, v, MAX(v->start, start), MIN(v->end, end));
        if (ret < 0 && !ignore_errors)
            return ret;
    }
    return 0;
}

void
vm_populate_locked(struct mm *mm, uint64_t start, uint64_t end)
{
    for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
        if (v->end > start && (v->flags & (VMA_LOCK_MASK | VMA_SHARED)) == VMA_LOCKED)
            populate_part(mm, v, MAX(v->start, start), MIN(v->end, end));
}

bool
vm_may_lock(void)
{
    struct proc *p = current_proc();

    return p->rlimits[RLIMIT_MEMLOCK].cur != 0 || proc_capable(p, CAP_IPC_LOCK);
}

bool
vm_may_lock_more(struct mm *mm, uint32_t lock, uint64_t len)
{
    struct proc *p = current_proc();

    if (!(lock & VMA_LOCKED) || proc_capable(p, CAP_IPC_LOCK))
        return true;
    return vm_locked_bytes(mm, 0, UINT64_MAX) + len <=
           ALIGN_DOWN(p->rlimits[RLIMIT_MEMLOCK].cur, PAGE_SIZE);
}
