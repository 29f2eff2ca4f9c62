// Address spaces: making one, copying one for fork (copy-on-write), letting
// one go, and loading one on a CPU. fork copies the regions and the page
// table entries, not the pages (mm_tables.c, a leaf table at a time): a
// private page becomes read-only on both sides with one more sharer (pmm's
// counts), and the first write copies it (vm.c's cow_break); shared
// mappings and the kernel's own pages stay the same frames. A CPU keeps
// the last address space loaded while it idles; the page table goes when
// no process uses it and no CPU holds it.
#include "mm/mm.h"
#include "mm/mm_tables.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "fs/vfs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tlb.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>

__after_boot struct mm *
mm_create(void)
{
    struct mm *mm = kzalloc(sizeof(*mm));

    if (!mm)
        return NULL;
    if (!(mm->pml4 = paging_new_root())) {
        kfree(mm);
        return NULL;
    }
    mm->users = 1;
    return mm;
}

__after_boot static struct vma *
vma_copy(const struct vma *v)
{
    struct vma *n = kmalloc(sizeof(*n));

    if (!n)
        return NULL;
    *n = *v;
    n->next = NULL;
    n->flags &= ~VMA_LOCK_MASK; // as Linux: a fork's child inherits no memory locks
    n->path = v->path ? kstrdup(v->path) : NULL;
    if (n->backing.vn)
        vnode_get(n->backing.vn);
    return n;
}

__after_boot struct mm *
mm_fork(struct mm *src)
{
    struct mm *dst = mm_create();
    struct vma **tail;
    bool failed = false;

    if (!dst)
        return NULL;
    dst->brk_start = src->brk_start, dst->brk = src->brk;
    dst->membarrier_registered =
        src->membarrier_registered; // as Linux: exec clears it, fork keeps it
    dst->mmap_base = src->mmap_base, dst->stack_top = src->stack_top, dst->vdso = src->vdso;
    dst->arg_start = src->arg_start, dst->arg_end = src->arg_end;
    dst->env_start = src->env_start, dst->env_end = src->env_end;
    dst->start_stack = src->start_stack;
    dst->peak_total = src->peak_total, dst->peak_rss = src->peak_rss; // as Linux's fork copies them
    mm_set_exe(dst, src->exe);
    tail = &dst->vmas;
    for (const struct vma *v = src->vmas; v && !failed; v = v->next) {
        struct vma *n = vma_copy(v);
        if (!n) {
            failed = true;
            break;
        }
        *tail = n;
        tail = &n->next;
        failed = !mm_tables_copy(dst->pml4, src->pml4, v);
    }
    // The parent's writable entries became read-only: its TLBs, here and
    // wherever its other threads run, must forget the writable ones.
    write_cr3(read_cr3());
    tlb_shootdown();
    if (failed) {
        mm_put(dst);
        return NULL;
    }
    return dst;
}

// Free the page table once neither a process nor a CPU uses it.
__after_boot static void
maybe_free(struct mm *mm)
{
    if (mm->users || mm->active)
        return;
    if (mm->pml4 == paging_kernel_root())
        return; // the first process's: static, on the boot PML4 that is the kernel half's master
    paging_free_root(mm->pml4);
    kfree(mm);
}

__after_boot void
mm_put(struct mm *mm)
{
    ASSERT(mm->users > 0);
    if (--mm->users)
        return;
    mm_set_exe(mm, NULL);
    mm_tables_release(mm);
    maybe_free(mm);
}

__after_boot void
mm_activate(struct mm *mm)
{
    struct percpu *c = this_cpu();
    struct mm *old = c->active_mm;

    if (old == mm)
        return;
    write_cr3(virt_to_phys(mm->pml4));
    c->active_mm = mm;
    c->pml4 = mm->pml4;
    mm->active++;
    if (old) {
        old->active--;
        maybe_free(old);
    }
}

// Up to LEN bytes of MM's memory at ADDR into BUF, page by page through
// the page table (for /proc/PID/cmdline and environ): stops at the first
// page that is not there. The bytes read.
__after_boot size_t
mm_read(struct mm *mm, uint64_t addr, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        uint64_t va = addr + done, *pte = pte_lookup_in(mm->pml4, va, false);
        size_t chunk = MIN(len - done, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        if (va >= USER_TOP || !pte || !(*pte & PTE_P))
            break;
        memcpy((char *)buf + done, (char *)phys_to_virt(*pte & PTE_ADDR) + (va & (PAGE_SIZE - 1)),
               chunk);
        done += chunk;
    }
    return done;
}

// The program MM runs: it may not be opened for writing while it runs.
__after_boot void
mm_set_exe(struct mm *mm, struct vnode *vn)
{
    if (mm->exe) {
        mm->exe->exec_users--;
        vnode_put(mm->exe);
    }
    mm->exe = vn ? vnode_get(vn) : NULL;
    if (vn)
        vn->exec_users++;
}
