// Directories of the in-memory filesystem: a list of (name, node) in creation
// order, so listings are stable. Dynamic directories (/proc/self/fd) answer
// through callbacks instead.
#include "fs/vfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/stat.h>

#define DT_UNKNOWN 0
#define DT_DIR     4

// Run a lazily filled directory's populate callback once.
static void
ensure_populated(struct vnode *dir)
{
    void (*fn)(struct vnode *) = dir->populate;

    if (fn) {
        dir->populate = NULL;
        fn(dir);
    }
}

long
dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    if (!vnode_is_dir(dir))
        return -ENOTDIR;
    ensure_populated(dir);
    if (!strcmp(name, ".") || !name[0]) {
        *out = vnode_get(dir);
        return 0;
    }
    if (!strcmp(name, "..")) {
        *out = vnode_get(dir->parent ? dir->parent : dir);
        return 0;
    }
    for (struct dirent_node *d = dir->children; d; d = d->next) {
        if (!strcmp(d->name, name)) {
            *out = vnode_get(d->vn);
            return 0;
        }
    }
    if (dir->dyn_lookup)
        return dir->dyn_lookup(dir, name, out);
    return -ENOENT;
}

long
dir_link(struct vnode *dir, const char *name, struct vnode *vn)
{
    struct dirent_node *d = kzalloc(sizeof(*d)), **tail = &dir->children;

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
    while (*tail)
        tail = &(*tail)->next;
    *tail = d;
    vnode_touch(dir, true);
    return 0;
}

long
dir_unlink(struct vnode *dir, const char *name)
{
    for (struct dirent_node **pp = &dir->children; *pp; pp = &(*pp)->next) {
        struct dirent_node *d = *pp;
        if (strcmp(d->name, name))
            continue;
        *pp = d->next;
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
    return -ENOENT;
}

bool
dir_is_empty(struct vnode *dir)
{
    ensure_populated(dir);
    return dir->children == NULL;
}

static uint32_t
dtype(uint32_t mode)
{
    return (mode >> 12) & 0xf;   // DT_* are S_IFMT >> 12
}

long
dir_entry(struct vnode *dir, int index, char *name, size_t len, uint64_t *ino, uint32_t *type)
{
    struct dirent_node *d;

    ensure_populated(dir);
    d = dir->children;
    if (index < 2) {
        struct vnode *vn = index == 0 ? dir : (dir->parent ? dir->parent : dir);
        strlcpy(name, index == 0 ? "." : "..", len);
        *ino = vn->ino;
        *type = DT_DIR;
        return 0;
    }
    for (index -= 2; d && index > 0; index--)
        d = d->next;
    if (d) {
        strlcpy(name, d->name, len);
        *ino = d->vn->ino;
        *type = dtype(d->vn->mode);
        return 0;
    }
    if (dir->dyn_list) {
        *ino = dir->ino * 1000 + index;   // stable enough for a listing
        return dir->dyn_list(dir, index, name, len, type);
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
