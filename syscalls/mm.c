// Memory syscalls: Linux's argument checks, in Linux's order, then mm/vm.c.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/mprotect.h"
#include "mm/vm.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/oom.h"
#include "mm/mlock.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "sched/proc.h"
#include "mm/uaccess.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <linux/mman.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define PROT_VALID    (PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP)
#define MAP_TYPE_MASK 0x0f
#define TASK_SIZE     USER_TOP

static struct mm *
mm(void)
{
    return current_proc()->mm;
}

// Whether a new mapping takes memory as it is touched, so is judged by the
// commit heuristic (mm/oom.c): private writable ones, and shared anonymous
// ones (their pages are a nameless file's); not MAP_NORESERVE, as Linux.
static bool
is_accountable(unsigned long prot, unsigned long flags, bool file)
{
    if (flags & MAP_NORESERVE)
        return false;
    if ((flags & MAP_TYPE_MASK) == MAP_PRIVATE)
        return prot & PROT_WRITE;
    return !file;
}

static uint32_t
vma_prot(unsigned long prot)
{
    return prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

// Can F be mapped with PROT and FLAGS? Regular files and the memory devices can.
static long
check_file_mapping(struct file *f, unsigned long prot, unsigned long flags)
{
    uint32_t acc = f->flags & O_ACCMODE;

    if (!f->vn || (!vnode_is_reg(f->vn) && !f->vn->fops))
        return -ENODEV;
    if (acc == O_WRONLY)
        return -EACCES;
    if ((flags & MAP_TYPE_MASK) != MAP_PRIVATE && (prot & PROT_WRITE) && acc != O_RDWR)
        return -EACCES;
    return 0;
}

// Where an anonymous mapping of LEN bytes goes, or a negative errno.
static long
choose_address(uint64_t addr, uint64_t len, int flags)
{
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & (PAGE_SIZE - 1))
            return -EINVAL;
        if (addr > TASK_SIZE - len)
            return -ENOMEM;
        if (addr < USER_MIN)
            return -EPERM;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
            !vm_range_is_free(mm(), addr, len))
            return -EEXIST;
        return addr;
    }
    addr = vm_find_free(mm(), len, ALIGN_DOWN(addr, PAGE_SIZE));
    return addr ? (long)addr : -ENOMEM;
}

// The region flags of a mapping of F (NULL: anonymous) of TYPE.
__after_boot static uint32_t
mapping_flags(struct file *f, uint32_t type)
{
    uint32_t flags = f && f->vn && vnode_is_reg(f->vn) ? 0 : VMA_ANON;

    if (type == MAP_PRIVATE)
        return flags;
    flags |= VMA_SHARED;
    if (f && (f->flags & O_ACCMODE) != O_RDWR)
        flags |= VMA_NO_WRITE;
    return flags;
}

// MAP_SHARED|MAP_ANONYMOUS memory is a nameless file's pages, as on Linux
// (shmem): a forked child maps the same file, so pages either side touches
// first are still the ones both see.
static long
map_shared_anon(uint64_t where, uint64_t len, uint32_t prot, uint32_t lock)
{
    struct vnode *vn = vnode_new(S_IFREG | 0600);
    struct vma_backing backing;
    long ret;

    if (!vn)
        return -ENOMEM;
    vn->size = len;
    backing = (struct vma_backing){ .vn = vn, .off = 0, .end = UINT64_MAX };
    ret = vm_map_backed(mm(), where, len, prot, VMA_ANON | VMA_SHARED | lock, &backing,
                        "/dev/zero (deleted)");
    vnode_put(vn);      // the region holds it
    return ret;
}

// The lock bits of a new mapping (MAP_LOCKED, mlockall's MCL_FUTURE), or
// Linux's errno: EPERM for MAP_LOCKED with no right to lock at all, EAGAIN
// past RLIMIT_MEMLOCK.
static long
new_mapping_lock(unsigned long flags, uint64_t len)
{
    uint32_t lock = (flags & MAP_LOCKED ? VMA_LOCKED : 0) | mm()->lock_future;

    if ((flags & MAP_LOCKED) && !vm_may_lock())
        return -EPERM;
    if (!vm_may_lock_more(mm(), lock, len))
        return -EAGAIN;
    return lock;
}

// Whether a new mapping is faulted in at once: locked (not on fault), or
// MAP_POPULATE without MAP_NONBLOCK, as Linux.
static bool
should_populate(unsigned long flags, uint32_t lock)
{
    if ((lock & VMA_LOCK_MASK) == VMA_LOCKED)
        return true;
    return (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE;
}

long
sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, int fd,
         unsigned long off)
{
    long where, ret, lock;
    uint32_t type = flags & MAP_TYPE_MASK;

    struct file *f = NULL;
    struct vma_backing backing = { 0 };

    if (off & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!(flags & MAP_ANONYMOUS)) {
        if (!(f = fd_get(fd)))
            return -EBADF;
        if ((ret = check_file_mapping(f, prot, flags)) < 0)
            return ret;
        if (f->vn && vnode_is_reg(f->vn))
            backing = (struct vma_backing){ .vn = f->vn, .off = off, .end = UINT64_MAX };
    }
    if (!len)
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (!len || len > TASK_SIZE)
        return -ENOMEM;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (prot & ~PROT_VALID)
        return -EINVAL;
    if ((where = choose_address(addr, len, flags)) < 0)
        return where;
    if ((lock = new_mapping_lock(flags, len)) < 0)
        return lock;
    if (backing.vn && off + len < off)
        return -EOVERFLOW;
    if (is_accountable(prot, flags, f != NULL) && !oom_may_commit(len))
        return -ENOMEM;
    if (type != MAP_PRIVATE && !backing.vn)
        ret = map_shared_anon(where, len, vma_prot(prot), lock);
    else
        ret = vm_map_backed(mm(), where, len, vma_prot(prot), mapping_flags(f, type) | lock,
                            backing.vn ? &backing : NULL, backing.vn ? f->path : NULL);
    if (ret < 0)
        return ret;
    if (should_populate(flags, lock))
        vm_populate(mm(), where, where + len,
                    true);   // as Linux: a mapping's faults are not its result
    return where;
}

long
sys_munmap(unsigned long addr, size_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || !len || addr > TASK_SIZE || len > TASK_SIZE - addr)
        return -EINVAL;
    return vm_unmap(mm(), addr, ALIGN_UP(len, PAGE_SIZE));
}

// mprotect(2) with pkey_mprotect(2)'s key, in Linux's order: a zero length
// succeeds before the protection bits or the key are looked at.
long
mprotect_with_key(unsigned long addr, size_t len, unsigned long prot, int pkey)
{
    uint64_t end;
    long ret;

    if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))
        return -EINVAL;
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!len)
        return 0;
    end = addr + ALIGN_UP(len, PAGE_SIZE);
    if (end <= addr)
        return -ENOMEM;
    if (prot & ~PROT_VALID)
        return -EINVAL;
    if (pkey != -1)
        return -EINVAL; // the CPU has no protection keys: none is ever allocated (pkey.c)
    ret = vm_protect(mm(), addr, end - addr, vma_prot(prot));
    if (ret == 0 && (prot & PROT_WRITE))
        vm_populate_locked(mm(), addr, end); // as Linux: locked memory made writable is faulted in
    return ret;
}

long
sys_mprotect(unsigned long addr, size_t len, unsigned long prot)
{
    return mprotect_with_key(addr, len, prot, -1);
}

// brk(2): returns the new break, or the old one when it cannot move.
long
sys_brk(unsigned long brk)
{
    struct mm *m = mm();
    uint64_t old_top = ALIGN_UP(m->brk, PAGE_SIZE), new_top = ALIGN_UP(brk, PAGE_SIZE);

    if (brk < m->brk_start || brk > TASK_SIZE)
        return m->brk;
    if (new_top > old_top) {
        if (!vm_may_lock_more(m, m->lock_future, new_top - old_top) ||
            !vm_range_is_free(m, old_top, new_top - old_top) ||
            !oom_may_commit(new_top - old_top) ||
            vm_map_fixed(m, old_top, new_top - old_top, PROT_READ | PROT_WRITE,
                         VMA_HEAP | m->lock_future) < 0)
            return m->brk;
        if (m->lock_future == VMA_LOCKED)
            vm_populate(m, old_top, new_top, true); // mlockall(MCL_FUTURE) heap, as Linux
    } else if (new_top < old_top) {
        vm_unmap(m, new_top, old_top - new_top);
    }
    m->brk = brk;
    return brk;
}

// Grow [old, old+old_len) to NEW_LEN in place when the pages after it are free.
static bool
grow_in_place(uint64_t old, uint64_t old_len, uint64_t new_len)
{
    struct vma *v = vma_find(mm(), old + old_len - 1);

    if (!v || v->end != old + old_len || !vm_range_is_free(mm(), old + old_len, new_len - old_len))
        return false;
    if (v->next && v->next->start < old + new_len)
        return false;
    v->end = old + new_len;
    return true;
}

// A shrinking mremap only unmaps the tail, with munmap's checks (Linux
// takes this path before it looks at the old range's length).
static long
shrink(uint64_t old, uint64_t old_len, uint64_t new_len)
{
    uint64_t start = old + new_len;

    if (start < old || start > TASK_SIZE || old_len - new_len > TASK_SIZE - start)
        return -EINVAL;
    if (new_len < old_len)
        vm_unmap(mm(), start, old_len - new_len);
    return old;
}

static long
move_mapping(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t new)
{
    long ret = vm_move(mm(), old, old_len, new);

    if (ret < 0)
        return ret;
    if (new_len > old_len && !grow_in_place(new, old_len, new_len))
        return -ENOMEM;
    return new;
}

long
sys_mremap(unsigned long old, unsigned long old_len, unsigned long new_len, unsigned long flags,
           unsigned long new_addr)
{
    struct vma *v;

    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    if (flags & MREMAP_DONTUNMAP)
        return -EINVAL; // LINUX-DIFF: not supported yet
    if (old & (PAGE_SIZE - 1))
        return -EINVAL;
    old_len = ALIGN_UP(old_len, PAGE_SIZE);
    new_len = ALIGN_UP(new_len, PAGE_SIZE);
    if (!new_len || !old_len)
        return -EINVAL; // old_len 0 duplicates shared mappings: none here
    v = vma_find(mm(), old);
    if (!v)
        return -EFAULT;
    if (!(flags & MREMAP_FIXED) && new_len <= old_len)
        return shrink(old, old_len, new_len);
    if (old_len > v->end - old) // no wrap: a huge old_len is EFAULT as on Linux
        return -EFAULT;
    if ((v->flags & VMA_SPECIAL) && new_len > old_len)
        return -EFAULT; // as Linux: [vdso] and [vvar] never grow
    if ((flags & MREMAP_FIXED) &&
        ((new_addr & (PAGE_SIZE - 1)) || new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len ||
         new_addr < USER_MIN || (new_addr < old + old_len && old < new_addr + new_len)))
        return -EINVAL; // the target's checks come before the accounting, as Linux's
    if (new_len > old_len && (v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED) &&
        !oom_may_commit(new_len - old_len))
        return -ENOMEM; // growth of private writable memory, as a new mapping's
    if (flags & MREMAP_FIXED) {
        vm_unmap(mm(), new_addr, new_len);
        if (new_len < old_len)
            vm_unmap(mm(), old + new_len, old_len - new_len), old_len = new_len;
        return move_mapping(old, old_len, new_len, new_addr);
    }
    if (grow_in_place(old, old_len, new_len))
        return old;
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    new_addr = vm_find_free(mm(), new_len, 0);
    if (!new_addr)
        return -ENOMEM;
    return move_mapping(old, old_len, new_len, new_addr);
}

long
sys_madvise(unsigned long addr, size_t len, int advice)
{
    uint64_t end;

    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    end = addr + ALIGN_UP(len, PAGE_SIZE);
    if (end < addr)
        return -EINVAL;
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE:
        if (!vm_range_is_mapped(mm(), addr, end - addr))
            return -ENOMEM;
        return vm_discard(mm(), addr, end - addr);
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_DONTFORK:
    case MADV_DOFORK:
    case MADV_MERGEABLE:
    case MADV_UNMERGEABLE:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK:
    case MADV_COLD:
    case MADV_PAGEOUT: return 0;
    default: return -EINVAL;
    }
}

long
sys_msync(unsigned long addr, size_t len, int flags)
{
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE))
        return -EINVAL;
    if ((flags & MS_ASYNC) && (flags & MS_SYNC))
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (addr + len < addr)
        return -ENOMEM;
    // Shared mappings map the file's own pages: the file already has every write.
    return vm_range_is_mapped(mm(), addr, len) ? 0 : -ENOMEM;
}

long
sys_mincore(unsigned long addr, size_t len, unsigned char __user *vec)
{
    unsigned char buf[64];
    uint64_t pages;

    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (addr + len < addr || addr + len > TASK_SIZE || !vm_range_is_mapped(mm(), addr, len))
        return -ENOMEM;
    pages = len / PAGE_SIZE;
    for (uint64_t i = 0; i < pages; i += sizeof(buf)) {
        uint64_t n = MIN(pages - i, sizeof(buf));
        for (uint64_t j = 0; j < n; j++) {
            uint64_t *pte = pte_lookup(addr + (i + j) * PAGE_SIZE, false);
            buf[j] = pte && (*pte & PTE_P);
        }
        if (copy_to_user(vec + i, buf, n) < 0)
            return -EFAULT;
    }
    return 0;
}
