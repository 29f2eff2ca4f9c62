// Nodes of the in-memory filesystem: attributes, reference counts, and the
// contents of regular files. A file from the initramfs reads straight from
// the archive (ro_data) until a page of it is written; then that page gets
// a frame of its own.
#include "fs/vfs.h"
#include "fs/inotify.h"
#include <linux/inotify.h>
#include "mm/heap.h"
#include "mm/oom.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "drivers/clock.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/stat.h>

static uint64_t next_ino = 2;

#define EXT4_INLINE_LINK 60     // a symlink target shorter than this lives in the inode

bool
vnode_is_dir(const struct vnode *vn)
{
    return S_ISDIR(vn->mode);
}
bool
vnode_is_reg(const struct vnode *vn)
{
    return S_ISREG(vn->mode);
}
bool
vnode_is_link(const struct vnode *vn)
{
    return S_ISLNK(vn->mode);
}

static struct vtime
now(void)
{
    uint64_t ns = clock_realtime_coarse_ns();
    return (struct vtime){ ns / 1000000000, ns % 1000000000 };
}

struct vnode *
vnode_new(uint32_t mode)
{
    struct vnode *vn = kzalloc(sizeof(*vn));

    if (!vn)
        return NULL;
    vn->ino = next_ino++;
    vn->mode = mode;
    vn->refs = 1;
    vn->atime = vn->mtime = vn->ctime = now();
    return vn;
}

struct vnode *
vnode_get(struct vnode *vn)
{
    vn->refs++;
    return vn;
}

static void
free_contents(struct vnode *vn)
{
    for (uint64_t i = 0; i < vn->npages; i++)
        if (vn->pages[i])
            page_ref_put(
                vn->pages
                    [i]); // a mapping (shared, or private before its first write) may still hold it
    kfree(vn->pages);
    kfree(vn->link);
    kfree(vn->name);
    kfree(vn->buckets);
}

// A node goes when nothing refers to it and no directory names it.
void
vnode_put(struct vnode *vn)
{
    ASSERT(vn->refs > 0);
    if (--vn->refs > 0 || vn->nlink > 0)
        return;
    fsnotify_gone(vn);
    free_contents(vn);
    kfree(vn);
}

void
vnode_touch(struct vnode *vn, bool modify)
{
    if (modify)
        vn->mtime = vn->ctime = now();
    else
        vn->atime = now();
}

// The node's attributes changed (chmod, chown, utimensat, a new link): ctime only.
void
vnode_changed(struct vnode *vn)
{
    vn->ctime = now();
}

// st_blocks as ext4 counts them (512-byte units of 4 KiB blocks): a file's pages
// that hold data (pages past the archive's bytes never written are holes), none
// for a short symlink, one block for a directory (its size is always 4096).
static uint64_t
vnode_blocks(const struct vnode *vn, uint64_t size)
{
    uint64_t end = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    uint64_t used = ALIGN_UP(MIN(vn->ro_len, size), PAGE_SIZE) / PAGE_SIZE;

    if (S_ISLNK(vn->mode))
        return size < EXT4_INLINE_LINK ? 0 : PAGE_SIZE / 512;
    if (!S_ISREG(vn->mode))
        return end * (PAGE_SIZE / 512);
    for (uint64_t i = used; i < MIN(end, vn->npages); i++)
        if (vn->pages[i])
            used++;
    return used * (PAGE_SIZE / 512);
}

// What ext4 would report; directories count 4096 bytes whatever they hold.
void
vnode_stat(struct vnode *vn, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = 0x801; // one device for the whole tree
    st->st_ino = vn->ino;
    st->st_mode = vn->mode;
    // An unlinked file (or a memfd) has no names left: 0, as on Linux.
    // Synthetic nodes (/proc, /dev) may be made without a directory entry.
    st->st_nlink = vn->fops || vn->generate || vn->dyn_link ? MAX(vn->nlink, 1u) : vn->nlink;
    st->st_uid = vn->uid;
    st->st_gid = vn->gid;
    st->st_rdev = vn->rdev;
    st->st_size = S_ISDIR(vn->mode) ? 4096 : vn->size;
    st->st_blksize = 4096;
    st->st_blocks = vnode_blocks(vn, st->st_size);
    st->st_atime = vn->atime.sec;
    st->st_atime_nsec = vn->atime.nsec;
    st->st_mtime = vn->mtime.sec;
    st->st_mtime_nsec = vn->mtime.nsec;
    st->st_ctime = vn->ctime.sec;
    st->st_ctime_nsec = vn->ctime.nsec;
}

static long
grow_page_array(struct vnode *vn, uint64_t need)
{
    uint64_t cap = vn->npages ? vn->npages : 4, *pages;

    if (need <= vn->npages)
        return 0;
    while (cap < need)
        cap *= 2;
    if (!(pages = kzalloc(cap * sizeof(uint64_t))))
        return -ENOMEM;
    if (vn->pages)
        memcpy(pages, vn->pages, vn->npages * sizeof(uint64_t));
    kfree(vn->pages);
    vn->pages = pages;
    vn->npages = cap;
    return 0;
}

// The page's bytes below the end of the file, then zeros.
void
vnode_read_page(struct vnode *vn, uint64_t index, void *dst)
{
    uint64_t off = index * PAGE_SIZE, n = 0;
    uint64_t valid = vn->size > off ? MIN(PAGE_SIZE, vn->size - off) : 0;

    if (index < vn->npages && vn->pages[index]) {
        n = valid;
        memcpy(dst, phys_to_virt(vn->pages[index]), n);
    } else if (off < vn->ro_len) {
        n = MIN(valid, vn->ro_len - off);
        memcpy(dst, vn->ro_data + off, n);
    }
    memset((char *)dst + n, 0, PAGE_SIZE - n);
}

uint64_t
vnode_page(struct vnode *vn, uint64_t index)
{
    uint64_t pa;

    if (grow_page_array(vn, index + 1) < 0)
        return 0;
    if (vn->pages[index])
        return vn->pages[index];
    if (!(pa = pmm_alloc_page()))
        return 0;
    vnode_read_page(vn, index, phys_to_virt(pa));
    vn->pages[index] = pa;
    return pa;
}

const void *
vnode_bytes(const struct vnode *vn, uint64_t off, uint64_t len)
{
    return !vn->pages && off <= vn->ro_len && len <= vn->ro_len - off ? vn->ro_data + off : NULL;
}

ssize_t
vnode_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
    char page[PAGE_SIZE];
    size_t done = 0;

    if (off >= vn->size)
        return 0;
    n = MIN(n, vn->size - off);
    while (done < n) {
        uint64_t pos = off + done, in = pos % PAGE_SIZE, chunk = MIN(n - done, PAGE_SIZE - in);
        uint64_t idx = pos / PAGE_SIZE;
        if (idx < vn->npages && vn->pages[idx])
            memcpy((char *)buf + done, (char *)phys_to_virt(vn->pages[idx]) + in, chunk);
        else if (pos + chunk <= vn->ro_len)
            memcpy((char *)buf + done, vn->ro_data + pos, chunk);
        else {
            vnode_read_page(vn, idx, page);
            memcpy((char *)buf + done, page + in, chunk);
        }
        done += chunk;
    }
    return done;
}

ssize_t
vnode_write(struct vnode *vn, const void *buf, size_t n, uint64_t off)
{
    size_t done = 0;

    if (off >= VFS_MAX_FILE_SIZE)
        return -EFBIG;
    n = MIN(n, VFS_MAX_FILE_SIZE - off);
    while (done < n) {
        uint64_t pos = off + done, in = pos % PAGE_SIZE, chunk = MIN(n - done, PAGE_SIZE - in);
        uint64_t pa = vnode_page(vn, pos / PAGE_SIZE);
        if (!pa)
            return done ? (ssize_t)done : -ENOSPC;
        memcpy((char *)phys_to_virt(pa) + in, (const char *)buf + done, chunk);
        done += chunk;
        if (pos + chunk > vn->size)
            vn->size = pos + chunk;
    }
    if (n)
        vnode_touch(vn, true);
    return done;
}

long
vnode_truncate(struct vnode *vn, uint64_t size)
{
    uint64_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

    if (size > VFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (size < vn->size) {
        for (uint64_t i = keep; i < vn->npages; i++) {
            if (vn->pages[i])
                page_ref_put(
                    vn->pages
                        [i]); // a mapping (shared, or private before its first write) may still hold it
            vn->pages[i] = 0;
        }
        // The partial last page keeps stale bytes; vnode_read_page zeroes past size,
        // and so must a later extension:
        if (size % PAGE_SIZE && keep - 1 < vn->npages && vn->pages[keep - 1])
            memset((char *)phys_to_virt(vn->pages[keep - 1]) + size % PAGE_SIZE, 0,
                   PAGE_SIZE - size % PAGE_SIZE);
        vn->ro_len = MIN(vn->ro_len, size);
    }
    vn->size = size;
    vnode_touch(vn, true);
    fsnotify(vn, IN_MODIFY);
    return 0;
}

// The pages of [FIRST, END) without a frame of their own.
static uint64_t
pages_missing(const struct vnode *vn, uint64_t first, uint64_t end)
{
    uint64_t missing = 0;

    for (uint64_t i = first; i < end; i++)
        missing += i >= vn->npages || !vn->pages[i];
    return missing;
}

// Give back the frames this allocation made (bit I of MADE for page FIRST+I);
// a mapping that faulted one in meanwhile keeps it.
static void
allocate_undo(struct vnode *vn, uint64_t first, uint64_t end, const uint64_t *made)
{
    for (uint64_t i = first; i < end; i++)
        if (made[(i - first) / 64] & (1UL << ((i - first) % 64))) {
            page_ref_put(vn->pages[i]);
            vn->pages[i] = 0;
        }
}

// fallocate's allocation: every page of [OFF, OFF+LEN) gets a frame of its
// own (st_blocks counts it, as on ext4 and tmpfs); the size grows to the
// range's end unless KEEP_SIZE. As tmpfs: -ENOSPC up front when free memory
// cannot back the range, and a failure part-way gives back what it took,
// so a refused fallocate leaves no memory behind.
__after_boot long
vnode_allocate(struct vnode *vn, uint64_t off, uint64_t len, bool keep_size)
{
    uint64_t first = off / PAGE_SIZE, end = ALIGN_UP(off + len, PAGE_SIZE) / PAGE_SIZE, *made;
    long ret = 0;

    if (end - first > pmm_num_total() || !oom_may_commit(pages_missing(vn, first, end) * PAGE_SIZE))
        return -ENOSPC;
    if (!(made = kzalloc(ALIGN_UP(end - first, 64) / 8)))
        return -ENOSPC;
    for (uint64_t i = first; i < end; i++) {
        bool had = i < vn->npages && vn->pages[i];
        if (!vnode_page(vn, i)) {
            allocate_undo(vn, first, i, made);
            ret = -ENOSPC;
            break;
        }
        if (!had)
            made[(i - first) / 64] |= 1UL << ((i - first) % 64);
    }
    kfree(made);
    if (ret < 0)
        return ret;
    if (!keep_size && off + len > vn->size)
        vn->size = off + len;
    vnode_changed(vn);
    fsnotify(vn, IN_MODIFY);
    return 0;
}

// Zero [FROM, TO) of page INDEX (within one page); a page with no bytes
// (never written, past the archive's) already reads zeros.
__after_boot static long
zero_in_page(struct vnode *vn, uint64_t index, uint64_t from, uint64_t to)
{
    uint64_t pa;

    if (!(index < vn->npages && vn->pages[index]) && index * PAGE_SIZE >= vn->ro_len)
        return 0;
    if (!(pa = vnode_page(vn, index)))
        return -ENOSPC;
    memset((char *)phys_to_virt(pa) + from % PAGE_SIZE, 0, to - from);
    return 0;
}

// Let whole pages [FIRST, END) go, once no mapping reaches their frames.
// A page within the archive's bytes keeps a zeroed frame: without one it
// would read the archive again.
__after_boot static long
drop_pages(struct vnode *vn, uint64_t first, uint64_t end)
{
    vm_unmap_file_pages(vn, first, end);
    for (uint64_t i = first; i < end; i++) {
        if (i * PAGE_SIZE < vn->ro_len) {
            if (zero_in_page(vn, i, i * PAGE_SIZE, (i + 1) * PAGE_SIZE) < 0)
                return -ENOSPC;
        } else if (i < vn->npages && vn->pages[i]) {
            page_ref_put(vn->pages[i]); // a private copy made from it is not this frame
            vn->pages[i] = 0;
        }
    }
    return 0;
}

// fallocate's FALLOC_FL_PUNCH_HOLE (with KEEP_SIZE): [OFF, OFF+LEN) reads
// zeros, its whole pages give their frames back (st_blocks drops), and
// every mapping of them sees the hole at its next touch; the size stays.
__after_boot long
vnode_punch_hole(struct vnode *vn, uint64_t off, uint64_t len)
{
    uint64_t end = off + len, first = ALIGN_UP(off, PAGE_SIZE) / PAGE_SIZE;
    uint64_t last = end / PAGE_SIZE; // pages [first, last) are whole in the hole
    long ret = 0;

    if (first > last) // inside one page
        ret = zero_in_page(vn, off / PAGE_SIZE, off, end);
    else {
        if (off % PAGE_SIZE)
            ret = zero_in_page(vn, off / PAGE_SIZE, off, first * PAGE_SIZE);
        if (!ret && end % PAGE_SIZE)
            ret = zero_in_page(vn, last, last * PAGE_SIZE, end);
        if (!ret)
            ret = drop_pages(
                vn, first, MIN(last, MAX(vn->npages, ALIGN_UP(vn->ro_len, PAGE_SIZE) / PAGE_SIZE)));
    }
    if (!ret) {
        vnode_touch(vn, true);
        fsnotify(vn, IN_MODIFY);
    }
    return ret;
}

static bool
page_has_data(struct vnode *vn, uint64_t index)
{
    return (index < vn->npages && vn->pages[index]) || index * PAGE_SIZE < vn->ro_len;
}

// SEEK_DATA / SEEK_HOLE from OFF (below the size): pages never written are
// holes, as on tmpfs; the end of the file counts as a hole.
uint64_t
vnode_seek_data(struct vnode *vn, uint64_t off, bool hole)
{
    uint64_t index = off / PAGE_SIZE;

    if (page_has_data(vn, index) != hole)
        return off;
    for (index++; index * PAGE_SIZE < vn->size; index++)
        if (page_has_data(vn, index) != hole)
            return index * PAGE_SIZE;
    return vn->size;
}
