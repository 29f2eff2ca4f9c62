// rename(2) once both parents are found: the checks of do_renameat2 and
// vfs_rename in their order, then moving or exchanging the names.
#include "fs/vfs.h"
#include "fs/inotify.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/fs.h>
#include <linux/inotify.h>

// One side of a rename: where its name is, and the node found there (NULL when none).
struct rename_end {
    struct vnode *dir;
    const char *last;
    bool trailing;          // written "name/"
    struct vnode *vn;
};

static bool
is_dot(const char *name)
{
    return !strcmp(name, ".") || !strcmp(name, "..");
}

// Is A an ancestor of (or the same as) B?
static bool
is_ancestor(struct vnode *a, struct vnode *b)
{
    for (; b; b = b->parent)
        if (a == b)
            return true;
    return false;
}

// do_renameat2's checks once both names are looked up, in its order.
static long
rename_lookup_checks(struct rename_end *o, struct rename_end *n, unsigned int flags)
{
    if (n->vn && (flags & RENAME_NOREPLACE))
        return -EEXIST;
    if (flags & RENAME_EXCHANGE) {
        if (!n->vn)
            return -ENOENT;
        if (!vnode_is_dir(n->vn) && n->trailing)
            return -ENOTDIR;
    }
    if (!vnode_is_dir(o->vn) && (o->trailing || (!(flags & RENAME_EXCHANGE) && n->trailing)))
        return -ENOTDIR;
    if (vnode_is_dir(o->vn) && o->dir != n->dir && is_ancestor(o->vn, n->dir))
        return -EINVAL;                    // into itself
    if (n->vn && o->dir != n->dir && is_ancestor(n->vn, o->dir))
        return flags & RENAME_EXCHANGE ? -EINVAL : -ENOTEMPTY;   // onto its own ancestor
    return 0;
}

// vfs_rename's checks: removing the old name and making (or replacing) the
// new one is allowed, the types agree, a directory that changes parent is
// writable (its ".." changes), a replaced directory is empty.
static long
rename_vfs_checks(struct rename_end *o, struct rename_end *n, unsigned int flags)
{
    bool exchange = flags & RENAME_EXCHANGE, moves = o->dir != n->dir;
    long ret;

    if ((ret = vfs_may_delete(o->dir, o->vn)) < 0)
        return ret;
    if (!n->vn)
        ret = vfs_may_create(n->dir);
    else if ((ret = vfs_may_delete(n->dir, n->vn)) == 0 && !exchange &&
             vnode_is_dir(o->vn) != vnode_is_dir(n->vn))
        ret = vnode_is_dir(o->vn) ? -ENOTDIR : -EISDIR;
    if (ret < 0 || (ret = mount_check_remove(o->dir)) < 0)
        return ret;
    if (moves && vnode_is_dir(o->vn) && (ret = vnode_permission(o->vn, MAY_WRITE)) < 0)
        return ret;
    if (moves && exchange && vnode_is_dir(n->vn) && (ret = vnode_permission(n->vn, MAY_WRITE)) < 0)
        return ret;
    if (!exchange && n->vn && vnode_is_dir(n->vn) && !dir_is_empty(n->vn))
        return -ENOTEMPTY;
    return 0;
}

// Give VN the name LAST in DIR in place of OLAST in ODIR. A move keeps the
// node's link count (dir_link and dir_unlink count a new and a lost name).
static long
move_name(struct vnode *odir, const char *olast, struct vnode *dir, const char *last,
          struct vnode *vn)
{
    uint32_t nlink = vn->nlink;
    long ret = dir_link(dir, last, vn);

    if (ret == 0)
        dir_unlink(odir, olast);
    vn->nlink = nlink;
    return ret;
}

static long
exchange_names(struct rename_end *o, struct rename_end *n)
{
    uint32_t onl = o->vn->nlink, nnl = n->vn->nlink;
    long ret;

    dir_unlink(o->dir, o->last);
    dir_unlink(n->dir, n->last);
    ret = dir_link(o->dir, o->last, n->vn);
    if (ret == 0)
        ret = dir_link(n->dir, n->last, o->vn);
    o->vn->nlink = onl, n->vn->nlink = nnl;
    return ret;
}

// What inotify hears of VN moving from ODIR/OLAST to DIR/LAST, in Linux's
// order (fsnotify_move): the two names sharing a cookie, the link count of
// a file it replaced, then the node itself.
static void
notify_move(struct vnode *odir, const char *olast, struct vnode *dir, const char *last,
            struct vnode *vn, struct vnode *replaced)
{
    uint32_t cookie;

    if (!inotify_nwatches)
        return;
    cookie = inotify_next_cookie();
    fsnotify_name(odir, olast, vn, IN_MOVED_FROM, cookie);
    fsnotify_name(dir, last, vn, IN_MOVED_TO, cookie);
    if (replaced)
        fsnotify(replaced, IN_ATTRIB | FSNOTIFY_SELF_ONLY);
    fsnotify(vn, IN_MOVE_SELF);
}

static long
do_rename(struct rename_end *o, struct rename_end *n, unsigned int flags)
{
    long ret;

    if (is_dot(o->last))
        return -EBUSY;
    if (is_dot(n->last))
        return flags & RENAME_NOREPLACE ? -EEXIST : -EBUSY;
    if ((ret = dir_lookup(o->dir, o->last, &o->vn)) < 0)
        return ret;
    if (dir_lookup(n->dir, n->last, &n->vn) < 0) {
        n->vn = NULL;
        if ((ret = mount_check_create(n->dir, 0)) < 0)    // /proc: the new name's lookup fails
            goto out;
    }
    if ((ret = rename_lookup_checks(o, n, flags)) < 0 || o->vn == n->vn)
        goto out;                          // the same file: nothing to do
    if ((ret = rename_vfs_checks(o, n, flags)) < 0)
        goto out;
    if (flags & RENAME_EXCHANGE) {
        if ((ret = exchange_names(o, n)) == 0) {
            notify_move(o->dir, o->last, n->dir, n->last, o->vn, NULL);
            notify_move(n->dir, n->last, o->dir, o->last, n->vn, NULL);
        }
        goto out;
    }
    if (n->vn)
        dir_unlink(n->dir, n->last);
    if ((ret = move_name(o->dir, o->last, n->dir, n->last, o->vn)) == 0)
        notify_move(o->dir, o->last, n->dir, n->last, o->vn, n->vn);
out:
    vnode_put(o->vn);
    if (n->vn)
        vnode_put(n->vn);
    return ret;
}

// FLAGS are checked already (RENAME_NOREPLACE or RENAME_EXCHANGE).
long
vfs_rename(struct path_parent *from, struct path_parent *to, unsigned int flags)
{
    struct rename_end o = { from->dir, from->last, from->trailing_slash, NULL };
    struct rename_end n = { to->dir, to->last, to->trailing_slash, NULL };

    if (mount_of(o.dir) != mount_of(n.dir))
        return -EXDEV;
    return do_rename(&o, &n, flags);
}
