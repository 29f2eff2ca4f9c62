// An address space's pages a leaf page table (512 pages) at a time, for the
// two operations that touch them all: fork's copy (the child's table made
// once per table, the sharers' counts raised in the same loop) and the
// release when the last user goes (the frames' counts dropped table by
// table, runs of frames freed as buddy blocks, the tables freed whole with
// no entry cleared, no invlpg, one TLB flush); and mremap's move of a
// region's entries.
#include "mm/mm_tables.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tlb.h"
#include "log.h"
#include "lib/string.h"

struct copy_walk {
    uint64_t *dst;              // the child's PML4
    const struct vma *v;
    uint16_t *refs;             // pmm's sharer counts
};

// Entries [lo, hi) of the parent's leaf table PT into the child's TO, for
// a region of the program's own: each present frame gets one more sharer
// and, when the region is private (WMASK without PTE_W), becomes read-only
// on both sides (copy-on-write). The index it stopped at: HI, or the entry
// whose count is full.
__after_boot static unsigned int
copy_owned(uint64_t *pt, uint64_t *to, unsigned int lo, unsigned int hi, uint16_t *refs,
           uint64_t wmask)
{
    unsigned int i;

    for (i = lo; i < hi; i++) {
        uint64_t e = pt[i];
        if (e & PTE_P) {
            uint16_t *r = &refs[(e & PTE_ADDR) / PAGE_SIZE];
            if (*r == UINT16_MAX)
                break;
            ++*r;
            pt[i] = e &= wmask;     // the parent's too: flushed once the copy is done
        }
        to[i] = e;
    }
    return i;
}

// The same for [vdso] and [vvar]: the kernel image's frames are shared as
// they are, with no count; a copy of the program's own is as above.
__after_boot static unsigned int
copy_special(const struct vma *v, uint64_t *pt, uint64_t *to, unsigned int lo, unsigned int hi,
             uint16_t *refs, uint64_t wmask)
{
    unsigned int i;

    for (i = lo; i < hi; i++) {
        uint64_t e = pt[i];
        if ((e & PTE_P) && vm_frame_owned(v, e & PTE_ADDR) &&
            copy_owned(pt, to, i, i + 1, refs, wmask) == i)
            break;
        to[i] = pt[i];
    }
    return i;
}

// The parent's entries [lo, hi) of leaf table PT, which maps BASE on, into
// the child's table for the same addresses: the same frames. A new table's
// other entries are zeroed, here rather than all at its allocation. False
// when out of memory; the entries copied so far each hold their reference,
// as mm_put expects, and the rest of a new table is zeros.
__after_boot static bool
copy_table(uint64_t *pt, unsigned int lo, unsigned int hi, uint64_t base, void *arg)
{
    struct copy_walk *w = arg;
    bool fresh;
    uint64_t *to = pt_leaf_table(w->dst, base, &fresh);
    uint64_t wmask = w->v->flags & VMA_SHARED ? ~0ull : ~PTE_W;
    unsigned int done;

    if (!to)
        return false;
    if (fresh)
        memset(to, 0, lo * sizeof(*to));
    if (w->v->flags & VMA_SPECIAL)
        done = copy_special(w->v, pt, to, lo, hi, w->refs, wmask);
    else
        done = copy_owned(pt, to, lo, hi, w->refs, wmask);
    if (fresh)
        memset(to + done, 0, (512 - done) * sizeof(*to));
    return done == hi;
}

__after_boot bool
mm_tables_copy(uint64_t *dst, uint64_t *src, const struct vma *v)
{
    struct copy_walk w = { dst, v, page_refs(true) };

    return w.refs && pt_table_each(src, v->start, v->end, copy_table, &w);
}

struct release_walk {
    const struct vma *v;
    uint16_t *refs;             // NULL while no frame was ever shared
    uint64_t run, npages;       // frames whose last reference went, contiguous
};

__after_boot static void
run_flush(struct release_walk *w)
{
    if (w->npages)
        pmm_free_run(w->run, w->npages);
    w->npages = 0;
}

// Frame PA is to be freed: it extends the run, or starts a new one.
__after_boot static void
run_add(struct release_walk *w, uint64_t pa)
{
    if (w->npages && pa == w->run + w->npages * PAGE_SIZE) {
        w->npages++;
        return;
    }
    run_flush(w);
    w->run = pa;
    w->npages = 1;
}

// Drop the references of leaf table PT's entries [lo, hi): another sharer
// keeps the frame, else it is freed. The entries stay: the table goes whole.
__after_boot static bool
release_table(uint64_t *pt, unsigned int lo, unsigned int hi, uint64_t base, void *arg)
{
    struct release_walk *w = arg;
    bool special = w->v->flags & VMA_SPECIAL;

    (void)base;
    for (unsigned int i = lo; i < hi; i++) {
        uint64_t e = pt[i], pa = e & PTE_ADDR;
        if (!(e & PTE_P) || (special && !vm_frame_owned(w->v, pa)))
            continue;
        if (w->refs && w->refs[pa / PAGE_SIZE])
            w->refs[pa / PAGE_SIZE]--;
        else
            run_add(w, pa);
    }
    return true;
}

// No process uses MM any more, so no CPU runs its program: no other CPU can
// be writing through a TLB entry of it, and this one touches no user page
// on the way. Its frames and tables go first; then this CPU, which may
// still run on the PML4 (the exiting process's), forgets the user half
// (TLB and cached upper levels of the freed tables), and so do the others.
__after_boot void
mm_tables_release(struct mm *mm)
{
    struct release_walk w = { .refs = page_refs(false) };
    struct vma *v;

    while ((v = mm->vmas)) {
        w.v = v;
        pt_table_each(mm->pml4, v->start, v->end, release_table, &w);
        mm->vmas = v->next;
        vma_free(v);
    }
    run_flush(&w);
    paging_free_user(mm->pml4);
    if (mm->pml4 == paging_root())
        write_cr3(read_cr3());
    tlb_shootdown();
}

struct move_walk {
    uint64_t *root;
    uint64_t delta;             // new address - old
    uint64_t *to, to_base;      // the destination's current leaf table and what it maps
    bool invlpg;                // this CPU's TLB forgets each old page (else all at once)
};

// Move the present entries [lo, hi) of leaf table PT (mapping BASE on) to
// the same place DELTA further; the destination's table is looked up once
// per table, not per page. False when out of memory for one: the entries
// not yet moved stay where they were.
__after_boot static bool
move_table(uint64_t *pt, unsigned int lo, unsigned int hi, uint64_t base, void *arg)
{
    struct move_walk *w = arg;

    for (unsigned int i = lo; i < hi; i++) {
        uint64_t va = base + i * PAGE_SIZE, to = va + w->delta;
        if (!(pt[i] & PTE_P))
            continue;
        if (!w->to || ALIGN_DOWN(to, PT_SPAN) != w->to_base) {
            uint64_t *e = pte_lookup_in(w->root, to, true);
            if (!e)
                return false;
            w->to = e - (to & (PT_SPAN - 1)) / PAGE_SIZE;
            w->to_base = ALIGN_DOWN(to, PT_SPAN);
        }
        w->to[(to & (PT_SPAN - 1)) / PAGE_SIZE] = pt[i];
        pt[i] = 0;
        if (w->invlpg)
            invlpg(va);
    }
    return true;
}

__after_boot bool
mm_tables_move(struct mm *mm, uint64_t old, uint64_t len, uint64_t new)
{
    bool local = mm->pml4 == paging_root(), few = len <= FLUSH_ONE_BY_ONE * PAGE_SIZE;
    struct move_walk w = { mm->pml4, new - old, NULL, 0, local &&few };
    bool ok = pt_table_each(mm->pml4, old, old + len, move_table, &w);

    if (local && !few)
        write_cr3(read_cr3());
    return ok;
}
