// The program's regions and their pages. Pages are allocated zeroed on the
// first fault (so a 1 GiB reservation costs nothing until used); unmapping
// frees them. Splitting at range boundaries keeps each VMA uniform.
#include "mm/vm.h"
#include "mm/mm_tables.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "mm/oom.h"
#include "layout.h"
#include "log.h"
#include "lib/string.h"
#include "fs/vfs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tlb.h"
#include "sched/proc.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>

struct vma *
vma_find(struct mm *mm, uint64_t addr)
{
    for (struct vma *v = mm->vmas; v && v->start <= addr; v = v->next)
        if (addr < v->end)
            return v;
    return NULL;
}

uint64_t
vm_pte_flags(uint32_t prot)
{
    uint64_t f = PTE_U;

    if (prot & PROT_WRITE)
        f |= PTE_W;
    if (!(prot & PROT_EXEC))
        f |= PTE_NX;
    return f;
}

// Where a region starting at ADDR goes in the sorted list.
static struct vma **
vma_slot(struct mm *mm, uint64_t addr)
{
    struct vma **pp = &mm->vmas;

    while (*pp && (*pp)->start < addr)
        pp = &(*pp)->next;
    return pp;
}

// The same for [addr, addr+len) if it is free (in the program's half, clear
// of every region), else NULL: one walk both checks and finds the place.
static struct vma **
free_slot(struct mm *mm, uint64_t addr, uint64_t len)
{
    struct vma **pp = &mm->vmas;

    // | rather than ||: one branch, not three (each a translation block of boot).
    if ((addr < USER_MIN) | (addr + len > USER_TOP) | (addr + len < addr))
        return NULL;
    for (; *pp && (*pp)->start < addr + len; pp = &(*pp)->next)
        if (addr < (*pp)->end)
            return NULL;
    return pp;
}

// Split V at ADDR (strictly inside it); V keeps the lower part. As on
// Linux, [vdso] and [vvar] are never split: a partial munmap, mprotect or
// mremap of them fails with EINVAL.
long
vm_split(struct vma *v, uint64_t addr)
{
    struct vma *hi;

    if (v->flags & VMA_SPECIAL)
        return -EINVAL;
    if (!(hi = kmalloc(sizeof(*hi))))
        return -ENOMEM;
    *hi = *v;
    hi->start = addr;
    if (hi->backing.vn) {
        hi->backing.off += addr - v->start;
        vnode_get(hi->backing.vn);
    }
    if (v->path)
        hi->path = kstrdup(v->path);
    v->end = addr;
    v->next = hi;
    return 0;
}

// Frames are freed only once no CPU's TLB can still reach them: another
// thread may be writing through a stale entry until the shootdown.
void
frame_batch_add(struct frame_batch *b, uint64_t pa)
{
    if (b->n && pa == b->start[b->n - 1] + (uint64_t)b->npages[b->n - 1] * PAGE_SIZE) {
        b->npages[b->n - 1]++;
        return;
    }
    if (b->n == ARRAY_SIZE(b->start))
        frame_batch_finish(b);
    b->start[b->n] = pa;
    b->npages[b->n++] = 1;
}

void
frame_batch_finish(struct frame_batch *b)
{
    if (b->flush_local)         // stays set: the walk may clear more entries after a full batch
        write_cr3(read_cr3());
    if (!b->n)
        return;
    tlb_shootdown();
    for (unsigned int i = 0; i < b->n; i++)
        page_ref_put_run(b->start[i],
                         b->npages[i]);   // another address space may still share some (COW)
    b->n = 0;
}

extern char __kernel_start[], __kernel_end[];

// Whether V's mapping of frame PA holds a reference that unmapping drops:
// every frame but the kernel image's ([vdso], [vvar]). A shared mapping's
// frames are its file's, and each mapping of one holds a reference of its
// own (map_shared_page, mm_fork), so a page the file lets go (truncate)
// lives on where it is still mapped instead of being reused under it.
// LINUX-DIFF: Linux unmaps a truncated page (SIGBUS on access); here the
// mapping keeps the old page, detached from the file, until it is unmapped.
bool
vm_frame_owned(const struct vma *v, uint64_t pa)
{
    if (v->flags & VMA_SPECIAL)
        return pa < virt_to_phys(__kernel_start) || pa >= virt_to_phys(__kernel_end);
    return true;
}

struct unmap_walk {
    const struct vma *v;
    struct frame_batch *b;
    bool local;             // the page table is this CPU's: invlpg each page
};

__after_boot static void
unmap_one(uint64_t va, uint64_t *pte, void *arg)
{
    struct unmap_walk *w = arg;
    uint64_t old = *pte;

    *pte = 0;
    if (w->local)
        invlpg(va);
    if (vm_frame_owned(w->v, old & PTE_ADDR))
        frame_batch_add(w->b, old & PTE_ADDR);
}

// Unmap V's pages in MM, freeing (once no TLB reaches them) the frames that
// are the program's; only the page tables' present entries are visited.
// This CPU's TLB forgets a few pages one by one, more at once (a CR3 load
// before the frames go): under TCG an invlpg per page of a big region
// costs more than the whole flush (FLUSH_ONE_BY_ONE, vm.h).
static void
free_pages(struct mm *mm, const struct vma *v, uint64_t start, uint64_t end, struct frame_batch *b)
{
    bool local = mm->pml4 == paging_root(), few = end - start <= FLUSH_ONE_BY_ONE * PAGE_SIZE;
    struct unmap_walk w = { v, b, local && few };

    b->flush_local |= local && !few;
    pte_range_each(mm->pml4, start, end, unmap_one, &w);
}

void
vma_free(struct vma *v)
{
    if (v->backing.vn)
        vnode_put(v->backing.vn);
    kfree(v->path);
    kfree(v);
}

// Make [start, end) start and end on VMA boundaries.
static long
split_around(struct mm *mm, uint64_t start, uint64_t end)
{
    struct vma *v;
    long ret;

    if ((v = vma_find(mm, start)) && v->start < start && (ret = vm_split(v, start)) < 0)
        return ret;
    if ((v = vma_find(mm, end)) && v->start < end && (ret = vm_split(v, end)) < 0)
        return ret;
    return 0;
}

long
vm_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
    uint64_t end = addr + len;
    struct vma **pp = &mm->vmas;
    struct frame_batch b = { .n = 0 };
    long ret = split_around(mm, addr, end);

    if (ret < 0)
        return ret;
    while (*pp) {
        struct vma *v = *pp;
        if (v->start >= addr && v->end <= end) {
            free_pages(mm, v, v->start, v->end, &b);
            *pp = v->next;
            vma_free(v);
        } else {
            pp = &v->next;
        }
    }
    frame_batch_finish(&b);
    tlb_shootdown();    // shared file pages too: their frames stay, the mapping went
    return 0;
}

long
vm_map_backed(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
              const struct vma_backing *backing, const char *path)
{
    struct vma *v, **slot = free_slot(mm, addr, len);
    long ret;

    // Most mappings land on free space (all of exec's do): no splitting to try.
    if (!slot) {
        if ((ret = vm_unmap(mm, addr, len)) < 0)
            return ret;
        slot = vma_slot(mm, addr);
    }
    if (!(v = kzalloc(sizeof(*v))))
        return -ENOMEM;
    // Field by field: a struct assignment compiles to a rep string instruction, a block of its own.
    v->start = addr, v->end = addr + len, v->prot = prot, v->flags = flags;
    if (backing && backing->vn) {
        v->backing.vn = vnode_get(backing->vn);
        v->backing.off = backing->off;
        v->backing.end = backing->end;
    }
    if (path)
        v->path = kstrdup(path);
    v->next = *slot;
    *slot = v;
    return 0;
}

long
vm_map_fixed(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags)
{
    return vm_map_backed(mm, addr, len, prot, flags, NULL, NULL);
}

long
vm_map_pages(struct mm *mm, uint64_t va, uint64_t pa, uint64_t npages, uint32_t prot)
{
    for (uint64_t i = 0; i < npages; i++)
        if (page_map_in(mm->pml4, va + i * PAGE_SIZE, pa + i * PAGE_SIZE, vm_pte_flags(prot)) < 0)
            return -ENOMEM;
    return 0;
}

// Fill the new page at VA (direct-mapped at PAGE) from V's file.
static void
fill_from_backing(const struct vma *v, uint64_t va, char *page)
{
    uint64_t off = v->backing.off + (va - v->start);

    vnode_read_page(v->backing.vn, off / PAGE_SIZE, page);
    if (v->backing.end < off + PAGE_SIZE) {
        uint64_t keep = v->backing.end > off ? v->backing.end - off : 0;
        memset(page + keep, 0, PAGE_SIZE - keep);
    }
}

// The file's own page for VA in a shared mapping.
static long
map_shared_page(struct mm *mm, const struct vma *v, uint64_t va)
{
    uint64_t pa = vnode_page(v->backing.vn, (v->backing.off + (va - v->start)) / PAGE_SIZE);

    if (!pa || !page_ref_get(pa))
        return -ENOMEM;
    if (page_map_in(mm->pml4, va, pa, vm_pte_flags(v->prot)) < 0) {
        page_ref_put(pa);
        return -ENOMEM;
    }
    return 0;
}

bool
vm_range_is_free(struct mm *mm, uint64_t addr, uint64_t len)
{
    return free_slot(mm, addr, len) != NULL;
}

bool
vm_range_is_mapped(struct mm *mm, uint64_t addr, uint64_t len)
{
    uint64_t end = addr + len;

    while (addr < end) {
        struct vma *v = vma_find(mm, addr);
        if (!v)
            return false;
        addr = v->end;
    }
    return true;
}

// Highest gap below mmap_base that fits LEN.
uint64_t
vm_find_free(struct mm *mm, uint64_t len, uint64_t hint)
{
    uint64_t best = 0, gap_start = USER_MIN;

    if (len > USER_TOP - USER_MIN) // gap_start + len must not wrap
        return 0;
    if (hint && vm_range_is_free(mm, hint, len))
        return hint;
    for (struct vma *v = mm->vmas;; v = v->next) {
        uint64_t gap_end = MIN(v ? v->start : USER_TOP, mm->mmap_base);
        if (gap_end >= gap_start + len)
            best = gap_end - len;
        if (!v || v->start >= mm->mmap_base)
            break;
        gap_start = MAX(gap_start, v->end);
    }
    return best;
}

// Give the [vdso] pages of V copies of their own before they become
// writable: the kernel's image page is every program's (Linux copies on
// the first write; we copy at the mprotect).
__after_boot static long
unshare_kernel_pages(struct mm *mm, struct vma *v)
{
    for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
        uint64_t *pte = pte_lookup_in(mm->pml4, va, false), pa;

        if (!pte || !(*pte & PTE_P) || vm_frame_owned(v, *pte & PTE_ADDR))
            continue;
        if (!(pa = pmm_alloc_page()))
            return -ENOMEM;
        memcpy(phys_to_virt(pa), phys_to_virt(*pte & PTE_ADDR), PAGE_SIZE);
        *pte = (*pte & ~PTE_ADDR) | pa;
        invlpg(va);
    }
    return 0;
}

struct reprotect_walk {
    const struct vma *v;
    bool invlpg; // this CPU's TLB forgets each page (else all at once, after)
};

// A page's PTE after its region's protection changed. PROT_NONE keeps the
// frame in a supervisor-only, no-execute PTE, so the program faults on it
// and a later mprotect gets the data back. A private page another address
// space shares stays read-only: the write fault copies it (COW).
__after_boot static void
reprotect_one(uint64_t va, uint64_t *pte, void *arg)
{
    const struct reprotect_walk *w = arg;
    const struct vma *v = w->v;
    uint64_t flags = v->prot == PROT_NONE ? PTE_NX : vm_pte_flags(v->prot);

    if (!(v->flags & VMA_SHARED) && page_is_shared(*pte & PTE_ADDR))
        flags &= ~PTE_W;
    *pte = (*pte & PTE_ADDR) | flags | PTE_P;
    if (w->invlpg)
        invlpg(va);
}

// Whether V may take PROT, as Linux: [vvar] may never be written or run,
// nor a shared mapping of a file opened read-only be written; a [vdso]
// made writable gets pages of its own first. 0 or the errno.
__after_boot static long
protect_check(struct mm *mm, struct vma *v, uint32_t prot)
{
    if ((v->flags & VMA_VVAR) && (prot & (PROT_WRITE | PROT_EXEC)))
        return -EACCES;
    if ((v->flags & VMA_NO_WRITE) && (prot & PROT_WRITE))
        return -EACCES;
    if ((v->flags & VMA_VDSO) && (prot & PROT_WRITE))
        return unshare_kernel_pages(mm, v);
    return 0;
}

// Regions before one refused keep their change, as on Linux; the TLBs
// forget the old entries either way: this CPU's page by page for a small
// region, by a CR3 load for a big one (as free_pages), the others' by the
// shootdown.
long
vm_protect(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot)
{
    uint64_t end = addr + len;
    bool local = mm->pml4 == paging_root(), flush_all = false;
    long ret;

    if (!vm_range_is_mapped(mm, addr, len))
        return -ENOMEM;
    if ((ret = split_around(mm, addr, end)) < 0)
        return ret;
    for (struct vma *v = vma_find(mm, addr); v && v->start < end; v = v->next) {
        struct reprotect_walk w = { v, local && v->end - v->start <= FLUSH_ONE_BY_ONE * PAGE_SIZE };
        if ((ret = protect_check(mm, v, prot)) < 0)
            goto out;
        v->prot = prot;
        flush_all |= local && !w.invlpg;
        pte_range_each(mm->pml4, v->start, v->end, reprotect_one, &w);
    }
out:
    if (flush_all)
        write_cr3(read_cr3());
    tlb_shootdown();
    return ret;
}

// A read of a private file mapping's page that lies wholly inside the
// file: the file's own page, read-only and shared, copied at the first
// write (cow_break) as a forked page is. Every exec of a program maps the
// same pages, so QEMU translates its code once, not once per process.
// -1 when the page needs its own copy (the bytes past the end are zeros).
__after_boot static long
map_file_page(struct mm *mm, const struct vma *v, uint64_t va)
{
    uint64_t off = v->backing.off + (va - v->start), pa;

    if (off + PAGE_SIZE > v->backing.end || off + PAGE_SIZE > v->backing.vn->size)
        return -1;
    if (!(pa = vnode_page(v->backing.vn, off / PAGE_SIZE)) || !page_ref_get(pa))
        return -1;
    if (page_map_in(mm->pml4, va, pa, vm_pte_flags(v->prot) & ~PTE_W) < 0) {
        page_ref_put(pa);
        return -1;
    }
    return 0;
}

// Whether PTE lets the access described by ERROR through.
static bool
pte_allows(uint64_t pte, uint32_t error)
{
    if ((pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
        return false;
    if ((error & PF_WRITE) && !(pte & PTE_W))
        return false;
    return !((error & PF_INSTR) && (pte & PTE_NX));
}

// A write to a private page shared copy-on-write with another address
// space: the last owner just gets write access, the others a copy. Other
// threads of this one may hold the read-only entry in their TLBs, and must
// not go on reading the old page: they are shot down.
__after_boot static long
cow_break(struct mm *mm, const struct vma *v, uint64_t va, uint64_t *pte)
{
    uint64_t old = *pte & PTE_ADDR, pa;

    if (!page_is_shared(old)) {
        *pte |= PTE_W;
        invlpg(va);
        // Another thread's CPU may hold the read-only entry: a write from
        // the kernel there (copy_to_user checks the page table, not the TLB)
        // would fault in the kernel.
        if (current_proc()->nr_threads > 1)
            tlb_shootdown();
        return 0;
    }
    if (!oom_may_fault_in() || !(pa = pmm_alloc_page()))
        return -ENOMEM;
    memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
    *pte = pa | vm_pte_flags(v->prot) | PTE_P;
    invlpg(va);
    if (current_proc()->nr_threads > 1)
        tlb_shootdown();
    page_ref_put(old);
    return 0;
}

long
vm_fault(struct mm *mm, uint64_t addr, uint32_t error)
{
    struct vma *v = vma_find(mm, addr);
    uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE), pa, *pte;

    if (!v || addr >= USER_TOP)
        return -EFAULT;
    if ((error & PF_WRITE) && !(v->prot & PROT_WRITE))
        return -EFAULT;
    if ((error & PF_INSTR) && !(v->prot & PROT_EXEC))
        return -EFAULT;
    if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EFAULT;
    pte = pte_lookup_in(mm->pml4, va, false);
    if (pte && (*pte & PTE_P)) {
        if (pte_allows(*pte, error)) {
            // Another CPU mapped or widened it (a copy-on-write page made
            // writable, say) and flushed only its own TLB: this one may
            // still hold the old entry. Real CPUs drop it on the fault;
            // TCG's TLB does not, and would fault here for ever.
            invlpg(va);
            return 0;
        }
        if ((error & PF_WRITE) && !(v->flags & (VMA_SHARED | VMA_SPECIAL)) && (*pte & PTE_U))
            return cow_break(mm, v, va, pte);
        return -EFAULT; // present and still refused: a real protection fault
    }
    if (v->flags & VMA_SPECIAL)
        return -EFAULT; // mapped whole at exec: nothing to fill a hole with
    if (v->backing.vn && (v->flags & VMA_SHARED))
        return map_shared_page(mm, v, va); // the file's page, often there already
    if (v->backing.vn && !(error & PF_WRITE) && map_file_page(mm, v, va) == 0)
        return 0;
    if (!oom_may_fault_in() || !(pa = v->backing.vn ? pmm_alloc_page() : pmm_alloc_zeroed()))
        return -ENOMEM; // the last pages are the kernel's (mm/oom.c)
    if (v->backing.vn)
        fill_from_backing(v, va, phys_to_virt(pa));
    if (page_map_in(mm->pml4, va, pa, vm_pte_flags(v->prot)) < 0) {
        pmm_free_page(pa);
        return -ENOMEM;
    }
    return 0;
}

long
vm_move(struct mm *mm, uint64_t old, uint64_t len, uint64_t new)
{
    struct vma *v = vma_find(mm, old);
    long ret;

    struct vma_backing backing = v->backing;

    ASSERT(v);
    if (backing.vn)
        backing.off += old - v->start; // untouched pages still fill from the same bytes
    if ((ret = vm_map_backed(mm, new, len, v->prot, v->flags, &backing, v->path)) < 0)
        return ret;
    if (!mm_tables_move(mm, old, len, new)) {
        tlb_shootdown();
        return -ENOMEM;
    }
    return vm_unmap(mm, old, len);
}

long
vm_discard(struct mm *mm, uint64_t addr, uint64_t len)
{
    uint64_t end = addr + len;
    struct frame_batch b = { .n = 0 };
    long ret = 0;

    for (struct vma *v = vma_find(mm, addr); v && v->start < end; v = v->next) {
        // Linux refuses [vvar] (a PFN mapping). LINUX-DIFF: [vdso] is kept as it
        // is, where Linux would drop a page the program wrote for the image's.
        if (v->flags & VMA_VVAR) {
            ret = -EINVAL;
            break;
        }
        if (!(v->flags & VMA_VDSO))
            free_pages(mm, v, MAX(v->start, addr), MIN(v->end, end), &b);
    }
    frame_batch_finish(&b);
    tlb_shootdown(); // shared file pages too: their frames stay, the mapping went
    return ret;
}

struct file_zap {
    const struct vma *v;
    struct vnode *vn;
    struct frame_batch *b;
};

// Clear a PTE that maps the file's own frame of its page (a private
// mapping's copy, made at its first write, is the program's and stays).
__after_boot static void
zap_file_page(uint64_t va, uint64_t *pte, void *arg)
{
    struct file_zap *z = arg;
    uint64_t index = (z->v->backing.off + (va - z->v->start)) / PAGE_SIZE;
    uint64_t pa = *pte & PTE_ADDR;

    if (index < z->vn->npages && z->vn->pages[index] == pa) {
        *pte = 0;
        frame_batch_add(z->b, pa);
    }
}

// MM's mappings of VN's pages [FIRST, END).
__after_boot static void
zap_file_in_mm(struct mm *mm, struct vnode *vn, uint64_t first, uint64_t end)
{
    struct frame_batch b = { .n = 0, .flush_local = mm->pml4 == paging_root() };

    for (struct vma *v = mm->vmas; v; v = v->next) {
        uint64_t lo = v->backing.off / PAGE_SIZE, hi = lo + (v->end - v->start) / PAGE_SIZE;
        struct file_zap z = { v, vn, &b };
        if (v->backing.vn != vn || hi <= first || lo >= end)
            continue;
        pte_range_each(mm->pml4, v->start + (MAX(lo, first) - lo) * PAGE_SIZE,
                       v->start + (MIN(hi, end) - lo) * PAGE_SIZE, zap_file_page, &z);
    }
    frame_batch_finish(&b);
}

// Before the file lets go of the frames of pages [FIRST, END) (a punched
// hole): every address space stops mapping them, so its next touch finds
// the file's new contents, as Linux unmaps a punched range.
__after_boot void
vm_unmap_file_pages(struct vnode *vn, uint64_t first, uint64_t end)
{
    for (struct proc *p = proc_first(); p; p = p->all_next) {
        bool seen = false;
        for (struct proc *q = proc_first(); q != p && !seen; q = q->all_next)
            seen = q->mm == p->mm;
        if (p->mm && !p->zombie && !seen)
            zap_file_in_mm(p->mm, vn, first, end);
    }
}
