// Directories of the in-memory filesystem: a list of (name, node) in creation
// order, so listings are stable, and a hash table over it once a directory
// has HASH_MIN_ENTRIES entries (a Python image has folders of hundreds of
// files, and boot links every archive entry). Dynamic directories
// (/proc/self/fd) answer through callbacks instead.
#include "fs/vfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/stat.h>

#define DT_UNKNOWN 0
#define DT_DIR     4
// Below this a list walk is as quick, and a small image's boot never runs
// (so never translates) the table code.
#define HASH_MIN_ENTRIES 16

// Run a lazily filled directory's populate callback once.
void
dir_populate(struct vnode *dir)
{
    void (*fn)(struct vnode *) = dir->populate;

    if (fn) {
        dir->populate = NULL;
        fn(dir);
    }
}

// FNV-1a.
static uint32_t
name_hash(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static struct dirent_node *
find_child(struct vnode *dir, const char *name)
{
    struct dirent_node *d;

    if (!dir->buckets) {
        for (d = dir->children; d && strcmp(d->name, name); d = d->next)
            ;
        return d;
    }
    uint32_t h = name_hash(name) | 1;
    for (d = dir->buckets[h & (dir->nbuckets - 1)]; d; d = d->hash_next)
        if (d->hash == h && !strcmp(d->name, name))
            return d;
    return NULL;
}

static void
hash_insert(struct vnode *dir, struct dirent_node *d)
{
    struct dirent_node **b;

    if (!d->hash)
        d->hash = name_hash(d->name) | 1;   // 0 means not computed yet
    b = &dir->buckets[d->hash & (dir->nbuckets - 1)];

    d->hash_next = *b;
    *b = d;
}

// Make or double the table once entries outnumber buckets. If memory is
// short the old table (or the list) stays: lookups are slower, not wrong.
static void
maybe_grow(struct vnode *dir)
{
    uint32_t n = dir->nbuckets ? dir->nbuckets * 2 : 2 * HASH_MIN_ENTRIES;
    struct dirent_node **b;

    if (dir->nchildren < HASH_MIN_ENTRIES || dir->nchildren <= dir->nbuckets)
        return;
    if (!(b = kzalloc(n * sizeof(*b))))
        return;
    kfree(dir->buckets);
    dir->buckets = b;
    dir->nbuckets = n;
    for (struct dirent_node *d = dir->children; d; d = d->next)
        hash_insert(dir, d);
}

static void
hash_remove(struct vnode *dir, struct dirent_node *d)
{
    struct dirent_node **pp;

    if (!dir->buckets)
        return;
    for (pp = &dir->buckets[d->hash & (dir->nbuckets - 1)]; *pp != d; pp = &(*pp)->hash_next)
        ;
    *pp = d->hash_next;
}

long
dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    struct dirent_node *d;

    if (!vnode_is_dir(dir))
        return -ENOTDIR;
    dir_populate(dir);
    if (!strcmp(name, ".") || !name[0]) {
        *out = vnode_get(dir);
        return 0;
    }
    if (!strcmp(name, "..")) {
        *out = vnode_get(dir->parent ? dir->parent : dir);
        return 0;
    }
    if ((d = find_child(dir, name))) {
        *out = vnode_get(d->vn);
        return 0;
    }
    if (dir->dyn_lookup)
        return dir->dyn_lookup(dir, name, out);
    return -ENOENT;
}

long
dir_link(struct vnode *dir, const char *name, struct vnode *vn)
{
    struct dirent_node *d = kzalloc(sizeof(*d));

    if (!d || !(d->name = kstrdup(name))) {
        kfree(d);
        return -ENOMEM;
    }
    d->vn = vnode_get(vn);
    vn->nlink++;
    if (vnode_is_dir(vn)) {
        vn->parent = dir;
        kfree(vn->name);
        vn->name = kstrdup(name);
        dir->nlink++;     // the child's ".."
    }
    d->seq = dir->next_seq++;
    d->prev = dir->last_child;
    if (d->prev)
        d->prev->next = d;
    else
        dir->children = d;
    dir->last_child = d;
    dir->nchildren++;
    if (dir->buckets)
        hash_insert(dir, d);
    maybe_grow(dir);
    vnode_touch(dir, true);
    return 0;
}

long
dir_unlink(struct vnode *dir, const char *name)
{
    struct dirent_node *d = find_child(dir, name);

    if (!d)
        return -ENOENT;
    hash_remove(dir, d);
    if (d->prev)
        d->prev->next = d->next;
    else
        dir->children = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        dir->last_child = d->prev;
    dir->nchildren--;
    if (dir->cursor == d)
        dir->cursor = d->next;
    d->vn->nlink--;
    if (vnode_is_dir(d->vn)) {
        dir->nlink--;
        d->vn->nlink = 0;   // a directory has no other names
    }
    vnode_touch(dir, true);
    d->vn->ctime = dir->mtime;
    vnode_put(d->vn);
    kfree(d->name);
    kfree(d);
    return 0;
}

// A name of VN in DIR, or NULL: how inotify finds what a watched folder
// calls a file that changed (files keep no parent). Linear in DIR's size.
const char *
dir_name_of(struct vnode *dir, struct vnode *vn)
{
    for (struct dirent_node *d = dir->children; d; d = d->next)
        if (d->vn == vn)
            return d->name;
    return NULL;
}

bool
dir_is_empty(struct vnode *dir)
{
    dir_populate(dir);
    return dir->children == NULL;
}

static uint32_t
dtype(uint32_t mode)
{
    return (mode >> 12) & 0xf;   // DT_* are S_IFMT >> 12
}

// Positions of dynamic entries (/proc/self/fd) start here, above any real one.
#define DYN_BASE (2ull + (1ull << 32))

static struct dirent_node *
first_at_or_after(struct vnode *dir, uint32_t seq)
{
    struct dirent_node *d = dir->cursor && dir->cursor->seq <= seq ? dir->cursor : dir->children;

    while (d && d->seq < seq)
        d = d->next;
    return d;
}

long
dir_entry(struct vnode *dir, uint64_t *pos, char *name, size_t len, uint64_t *ino, uint32_t *type)
{
    struct dirent_node *d;

    dir_populate(dir);
    if (*pos < 2) {
        struct vnode *vn = *pos == 0 ? dir : (dir->parent ? dir->parent : dir);
        strlcpy(name, *pos == 0 ? "." : "..", len);
        *ino = vn->ino;
        *type = DT_DIR;
        (*pos)++;
        return 0;
    }
    if (*pos < DYN_BASE && (d = first_at_or_after(dir, *pos - 2))) {
        dir->cursor = d;
        strlcpy(name, d->name, len);
        *ino = d->vn->ino;
        *type = dtype(d->vn->mode);
        *pos = 2 + (uint64_t)d->seq + 1;
        return 0;
    }
    if (dir->dyn_list) {
        uint64_t index = *pos < DYN_BASE ? 0 : *pos - DYN_BASE;
        long ret = dir->dyn_list(dir, &index, name, len, type);
        if (ret < 0)
            return ret;
        *ino = dir->ino * 1000 + index;   // stable enough for a listing
        *pos = DYN_BASE + index + 1;
        return 0;
    }
    return -ENOENT;
}

struct vnode *
dir_mkdir(struct vnode *dir, const char *name, uint32_t mode)
{
    struct vnode *vn = vnode_new(S_IFDIR | (mode & 07777));

    if (!vn)
        return NULL;
    vn->nlink = 1;        // its own "."
    if (dir_link(dir, name, vn) < 0) {
        vn->nlink = 0;
        vnode_put(vn);
        return NULL;
    }
    vnode_put(vn);        // the directory entry holds it
    return vn;
}
