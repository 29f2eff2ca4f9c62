// System V shared memory (shm.h). A segment owns an unnamed in-memory file
// (a vnode with no name, as memfd_create makes) and one reference to it;
// every attach is a MAP_SHARED region of that file holding one more. So the
// number of attaches (shm_nattch) is the file's references less one, kept
// right by mmap, munmap, mremap, fork, exec and exit without hooks of ours,
// and a segment removed while attached (IPC_RMID) is freed by the first
// shm call that finds that count at zero (shm_reap).
#include "ipc/shm.h"
#include "ipc/ipc.h"
#include "fs/vfs.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <asm-generic/resource.h>
#include <linux/ipc.h>

struct shm_seg {
    struct ipc_obj perm;
    uint64_t size;              // shm_segsz: the size asked for
    struct vnode *vn;           // the pages; vn->priv is this segment
    char *path;                 // "/SYSV<key> (deleted)", for /proc/self/maps
    int64_t atime, dtime, ctime;
    int cpid, lpid;
};

static struct ipc_ids shm_ids = { .max_idx = -1, .last_idx = -1, .limit = SHMMNI };
static uint64_t shm_tot;        // pages of every segment, against SHMALL
static int ndoomed;             // segments removed while attached

__after_boot static struct shm_seg *
seg_of(struct ipc_obj *o)
{
    return (struct shm_seg *)o;
}

__after_boot static uint64_t
seg_pages(const struct shm_seg *s)
{
    return ALIGN_UP(s->size, PAGE_SIZE) / PAGE_SIZE;
}

__after_boot static unsigned long
nattch(const struct shm_seg *s)
{
    return s->vn->refs - 1;
}

__after_boot static void
destroy(struct shm_seg *s)
{
    ipc_remove(&shm_ids, &s->perm);
    shm_tot -= seg_pages(s);
    vnode_put(s->vn);
    kfree(s->path);
    kfree(s);
}

__after_boot void
shm_reap(void)
{
    for (int i = 0; ndoomed && i <= shm_ids.max_idx; i++) {
        struct shm_seg *s = seg_of(ipc_find_index(&shm_ids, i));
        if (s && (s->perm.mode & SHM_DEST) && !nattch(s)) {
            ndoomed--;
            destroy(s);
        }
    }
}

// newseg: a segment of SIZE bytes whose pages come zeroed on first touch.
__after_boot static long
create(int32_t key, uint64_t size, int flags)
{
    uint64_t pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    struct shm_seg *s;
    long ret;

    if (size < SHMMIN || size > SHMMAX)
        return -EINVAL;
    if (pages * PAGE_SIZE < size)
        return -ENOSPC;
    if (shm_tot + pages < shm_tot || shm_tot + pages > SHMALL)
        return -ENOSPC;
    if (!(s = kzalloc(sizeof(*s))))
        return -ENOMEM;
    if (!(s->vn = vfs_create_file(NULL, NULL, 0)) || !(s->path = kmalloc(32))) {
        ret = -ENOMEM;
        goto out_free;
    }
    if ((ret = ipc_add(&shm_ids, &s->perm, key, flags & 0777)) < 0)
        goto out_free;
    snprintf(s->path, 32, "/SYSV%08x (deleted)", (uint32_t)key);
    s->vn->size = size;
    s->vn->priv = s;
    s->size = size;
    s->ctime = ipc_now();
    s->cpid = current_proc()->pid;
    shm_tot += pages;
    return s->perm.id;
out_free:
    if (s->vn)
        vnode_put(s->vn);
    kfree(s);
    return ret;
}

// LINUX-DIFF: SHM_HUGETLB and SHM_NORESERVE are accepted and change nothing
// (no huge pages, nothing reserved), as mmap treats MAP_HUGETLB here.
__after_boot long
shm_get(int32_t key, uint64_t size, int flags)
{
    struct ipc_obj *o;
    long ret;

    shm_reap();
    if ((ret = ipc_lookup_key(&shm_ids, key, flags, &o)) < 0)
        return ret;
    if (!o)
        return create(key, size, flags);
    if (seg_of(o)->size < size)
        return -EINVAL;
    return ipc_open(o, flags);
}

// Does any region meet [addr, addr+len)?
__after_boot static bool
range_in_use(struct mm *mm, uint64_t addr, uint64_t len)
{
    for (struct vma *v = mm->vmas; v && v->start < addr + len; v = v->next)
        if (addr < v->end)
            return true;
    return false;
}

// Where the attach goes, as mmap would place it (MAP_FIXED when ADDR is
// given), or a negative errno.
__after_boot static long
place(struct mm *mm, uint64_t addr, uint64_t len, uint64_t size, int flags)
{
    if (!addr)
        return (addr = vm_find_free(mm, len, 0)) ? (long)addr : -ENOMEM;
    if (!(flags & SHM_REMAP) && (addr + size < addr || range_in_use(mm, addr, size)))
        return -EINVAL;
    if (len > USER_TOP || addr > USER_TOP - len)     // a huge segment: no wrap past the top
        return -ENOMEM;
    if (addr < USER_MIN)
        return -EPERM;
    return addr;
}

// shmat's address rules come before the segment is looked up, as Linux checks them.
__after_boot static long
check_address(uint64_t *addr, int flags)
{
    if (!*addr)
        return flags & SHM_REMAP ? -EINVAL : 0;
    if (*addr & (SHMLBA - 1)) {
        if (!(flags & SHM_RND))
            return -EINVAL;
        *addr = ALIGN_DOWN(*addr, SHMLBA);
        if (!*addr && (flags & SHM_REMAP))
            return -EINVAL;
    }
    return 0;
}

__after_boot long
shm_attach(int id, uint64_t addr, int flags, uint64_t *where)
{
    uint32_t prot = PROT_READ | PROT_WRITE, acc = 0666;
    struct mm *mm = current_proc()->mm;
    struct vma_backing backing = { .off = 0, .end = UINT64_MAX };
    struct shm_seg *s;
    uint64_t len;
    long at, ret;

    shm_reap();
    if (id < 0)
        return -EINVAL;
    if ((ret = check_address(&addr, flags)) < 0)
        return ret;
    if (flags & SHM_RDONLY)
        prot = PROT_READ, acc = 0444;
    if (flags & SHM_EXEC)
        prot |= PROT_EXEC, acc |= 0111;
    if (!(s = seg_of(ipc_find_id(&shm_ids, id))))
        return -EINVAL;
    if (!ipc_permitted(&s->perm, acc))
        return -EACCES;
    len = ALIGN_UP(s->size, PAGE_SIZE);
    if ((at = place(mm, addr, len, s->size, flags)) < 0)
        return at;
    backing.vn = s->vn;
    if ((ret = vm_map_backed(mm, at, len, prot,
                             VMA_SHARED | VMA_SYSV_SHM | (flags & SHM_RDONLY ? VMA_NO_WRITE : 0),
                             &backing, s->path)) < 0)
        return ret;
    *where = at;
    s->atime = ipc_now();
    s->lpid = current_proc()->pid;
    return 0;
}

// The first region at or above ADDR, or NULL.
__after_boot static struct vma *
region_from(struct mm *mm, uint64_t addr)
{
    struct vma *v = mm->vmas;

    while (v && v->end <= addr)
        v = v->next;
    return v;
}

// A piece of the attach made at ADDR: a region of a segment whose offset in
// it is its distance from ADDR (mprotect or munmap may have cut the attach
// into pieces; a piece mremap moved elsewhere no longer counts).
__after_boot static bool
piece_of_attach(const struct vma *v, uint64_t addr)
{
    return (v->flags & VMA_SYSV_SHM) && v->start >= addr && v->start - addr == v->backing.off;
}

// shmdt, as Linux: the first piece at or above ADDR gives the segment and its
// size; every piece of that segment's attach at ADDR within the size goes.
__after_boot long
shm_detach(uint64_t addr)
{
    struct mm *mm = current_proc()->mm;
    struct vnode *vn = NULL;
    uint64_t at = addr, size = 0;
    struct vma *v;

    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    while ((v = region_from(mm, at)) && (!vn || v->end - addr <= size)) {
        at = v->end;
        if (!piece_of_attach(v, addr) || (vn && v->backing.vn != vn))
            continue;
        if (!vn) {
            vn = v->backing.vn;
            size = ALIGN_UP(vn->size, PAGE_SIZE);
        }
        vm_unmap(mm, v->start, v->end - v->start);
    }
    if (!vn)
        return -EINVAL;
    ((struct shm_seg *)vn->priv)->dtime = ipc_now();
    ((struct shm_seg *)vn->priv)->lpid = current_proc()->pid;
    shm_reap();
    return 0;
}

__after_boot long
shm_stat(int id, int cmd, struct shmid64_ds *out)
{
    struct shm_seg *s;

    shm_reap();
    s = seg_of(cmd == IPC_STAT ? ipc_find_id(&shm_ids, id)
                               : ipc_find_index(&shm_ids, id & (IPC_MNI - 1)));
    if (!s)
        return -EINVAL;
    if (cmd != SHM_STAT_ANY && !ipc_permitted(&s->perm, 0444))
        return -EACCES;
    memset(out, 0, sizeof(*out));
    ipc_get_perm(&s->perm, &out->shm_perm);
    out->shm_segsz = s->size;
    out->shm_atime = s->atime;
    out->shm_dtime = s->dtime;
    out->shm_ctime = s->ctime;
    out->shm_cpid = s->cpid;
    out->shm_lpid = s->lpid;
    out->shm_nattch = nattch(s);
    return cmd == IPC_STAT ? 0 : s->perm.id;
}

// The segment IPC_SET, IPC_RMID or SHM_LOCK names, if the caller may change it.
__after_boot static long
owned(int id, struct shm_seg **out)
{
    shm_reap();
    if (!(*out = seg_of(ipc_find_id(&shm_ids, id))))
        return -EINVAL;
    return ipc_may_change(&(*out)->perm) ? 0 : -EPERM;
}

__after_boot long
shm_set(int id, const struct shmid64_ds *in)
{
    struct shm_seg *s;
    long ret;

    if ((ret = owned(id, &s)) < 0 || (ret = ipc_set_perm(&s->perm, &in->shm_perm)) < 0)
        return ret;
    s->ctime = ipc_now();
    return 0;
}

// While attached, a removed segment keeps its id (shmat and IPC_STAT still
// find it, as on Linux) but loses its key.
__after_boot long
shm_remove(int id)
{
    struct shm_seg *s;
    long ret;

    if ((ret = owned(id, &s)) < 0)
        return ret;
    if (!nattch(s)) {
        destroy(s);
        return 0;
    }
    if (!(s->perm.mode & SHM_DEST))
        ndoomed++;
    s->perm.mode |= SHM_DEST;
    s->perm.key = IPC_PRIVATE;
    return 0;
}

// Pages are never swapped out here: locking only marks the segment. Root
// (CAP_IPC_LOCK) may always; others must own it, and lock only with a
// RLIMIT_MEMLOCK above zero.
__after_boot long
shm_lock(int id, bool lock)
{
    struct proc *p = current_proc();
    struct shm_seg *s;

    shm_reap();
    if (!(s = seg_of(ipc_find_id(&shm_ids, id))))
        return -EINVAL;
    if (p->creds.euid != 0) {
        if (p->creds.euid != s->perm.uid && p->creds.euid != s->perm.cuid)
            return -EPERM;
        if (lock && !p->rlimits[RLIMIT_MEMLOCK].cur)
            return -EPERM;
    }
    s->perm.mode = lock ? s->perm.mode | SHM_LOCKED : s->perm.mode & ~SHM_LOCKED;
    return 0;
}

__after_boot int
shm_ipc_info(struct shminfo64 *out)
{
    memset(out, 0, sizeof(*out));
    out->shmmax = SHMMAX;
    out->shmmin = SHMMIN;
    out->shmmni = SHMMNI;
    out->shmseg = SHMMNI;
    out->shmall = SHMALL;
    return ipc_max_index(&shm_ids);
}

// Pages of S that hold a frame.
__after_boot static unsigned long
resident(const struct shm_seg *s)
{
    unsigned long n = 0;

    for (uint64_t i = 0; i < s->vn->npages; i++)
        n += s->vn->pages[i] != 0;
    return n;
}

__after_boot int
shm_info(struct shm_info *out)
{
    shm_reap();
    memset(out, 0, sizeof(*out));
    out->used_ids = shm_ids.in_use;
    out->shm_tot = shm_tot;
    for (int i = 0; i <= shm_ids.max_idx; i++) {
        struct shm_seg *s = seg_of(ipc_find_index(&shm_ids, i));
        if (s)
            out->shm_rss += resident(s);
    }
    return ipc_max_index(&shm_ids);
}
