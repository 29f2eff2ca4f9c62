// Making and removing names in a folder: mkdir, mknod, symlink, link, unlink
// and rmdir once the parent is found (struct path_parent), each with
// Linux's checks in Linux's order (filename_create, may_create, may_delete).
#include "fs/vfs.h"
#include "fs/inotify.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/inotify.h>
#include <linux/stat.h>

static bool
is_dot(const char *name)
{
    return !strcmp(name, ".") || !strcmp(name, "..");
}

// May P's name be made by link, symlink or mknod? Linux's filename_create:
// an existing name is EEXIST; "name/" for a new non-directory is ENOENT.
static long
check_new_name(struct path_parent *p)
{
    struct vnode *vn;

    if (dir_lookup(p->dir, p->last, &vn) == 0) {
        vnode_put(vn);
        return -EEXIST;
    }
    return p->trailing_slash ? -ENOENT : mount_check_create(p->dir, 0);
}

// mkdir(2); a trailing slash is allowed, the name being a folder's.
long
vfs_mkdir(struct path_parent *p, uint32_t mode)
{
    struct vnode *vn;
    long ret;

    if (dir_lookup(p->dir, p->last, &vn) == 0) {
        vnode_put(vn);
        return -EEXIST;
    }
    if ((ret = mount_check_create(p->dir, -EPERM)) < 0 || (ret = vfs_may_create(p->dir)) < 0)
        return ret;
    vn = dir_mkdir(p->dir, p->last, mode & 07777 & ~current_proc()->umask);
    if (!vn)
        return -ENOMEM;
    vnode_init_owner(p->dir, vn);
    fsnotify_name(p->dir, p->last, vn, IN_CREATE, 0);
    return 0;
}

// A new node of MODE's kind named P; a character device gets the
// operations of the /dev device with its number.
static long
make_node(struct path_parent *p, uint32_t mode, unsigned int dev)
{
    uint32_t kind = mode & S_IFMT ? mode & S_IFMT : S_IFREG;
    struct vnode *vn = vnode_new(kind | (mode & 07777 & ~current_proc()->umask));
    long ret;

    if (!vn)
        return -ENOMEM;
    vnode_init_owner(p->dir, vn);
    if (S_ISCHR(kind) || S_ISBLK(kind))
        vn->rdev = dev;
    if (S_ISCHR(kind))
        vn->fops = devfs_ops_for(dev);
    if ((ret = dir_link(p->dir, p->last, vn)) == 0)
        fsnotify_name(p->dir, p->last, vn, IN_CREATE, 0);
    vnode_put(vn);
    return ret;
}

// mknod(2): device nodes need root (CAP_MKNOD).
long
vfs_mknod(struct path_parent *p, uint32_t mode, unsigned int dev)
{
    long ret = check_new_name(p);

    if (ret == 0)
        ret = vfs_may_create(p->dir);
    if (ret == 0 && (S_ISCHR(mode) || S_ISBLK(mode)) && current_proc()->creds.fsuid != 0)
        ret = -EPERM;
    if (ret == 0)
        ret = mount_check_create(p->dir, -EPERM);
    if (ret == 0)
        ret = make_node(p, mode, dev);
    return ret;
}

long
vfs_symlink(struct path_parent *p, char *target)
{
    struct vnode *vn;
    long ret = check_new_name(p);

    if (ret == 0)
        ret = vfs_may_create(p->dir);
    if (ret == 0)
        ret = mount_check_create(p->dir, -EPERM);   // sysfs: no symlink method
    if (ret == 0 && !(vn = vnode_new(S_IFLNK | 0777))) {
        ret = -ENOMEM;
    } else if (ret == 0) {
        vn->link = target, target = NULL;
        vn->size = strlen(vn->link);
        vnode_init_owner(p->dir, vn);
        if ((ret = dir_link(p->dir, p->last, vn)) == 0)
            fsnotify_name(p->dir, p->last, vn, IN_CREATE, 0);
        vnode_put(vn);
    }
    kfree(target);
    return ret;
}

// A file whose names are all gone can get one back only if it is an
// O_TMPFILE file opened without O_EXCL, and only once (vfs_link).
static long
link_node(struct vnode *dir, const char *last, struct vnode *vn)
{
    long ret;

    if (vn->nlink == 0 && !vn->linkable)
        return -ENOENT;
    if ((ret = dir_link(dir, last, vn)) == 0) {
        vn->linkable = false;
        vnode_changed(vn);
        fsnotify(vn, IN_ATTRIB | FSNOTIFY_SELF_ONLY); // the link count
        fsnotify_name(dir, last, vn, IN_CREATE, 0);
    }
    return ret;
}

long
vfs_link(struct vnode *vn, enum vfs_mount src_mount, struct path_parent *p)
{
    long ret = check_new_name(p);

    if (ret == 0 && src_mount != mount_of(p->dir))
        ret = -EXDEV;
    if (ret == 0)
        ret = vfs_may_link(vn);
    if (ret == 0)
        ret = vfs_may_create(p->dir);
    if (ret == 0)
        ret = vnode_is_dir(vn) ? -EPERM : link_node(p->dir, p->last, vn);
    return ret;
}

// unlink and rmdir after the lookup, in Linux's order: unlink's trailing
// slash, may_delete (EACCES, sticky EPERM), the type, then emptiness.
static long
remove_checks(struct vnode *dir, struct vnode *vn, bool want_dir, bool trailing)
{
    long ret;

    if (!want_dir && trailing)               // do_unlinkat's "slashes" case
        return vnode_is_dir(vn) ? -EISDIR : -ENOTDIR;
    if ((ret = vfs_may_delete(dir, vn)) < 0)
        return ret;
    if ((ret = mount_check_remove(dir)) < 0)
        return ret;
    if (want_dir != vnode_is_dir(vn))
        return want_dir ? -ENOTDIR : -EISDIR;
    if (want_dir && (!dir_is_empty(vn) || vn->dyn_list))
        return -ENOTEMPTY;
    return 0;
}

// Linux's order: a file's link count (IN_ATTRIB), the node's end when no
// one else holds it (IN_DELETE_SELF; else at its last close), the folder's IN_DELETE.
static void
notify_removed(struct vnode *dir, const char *name, struct vnode *vn)
{
    if (!vnode_is_dir(vn))
        fsnotify(vn, IN_ATTRIB | FSNOTIFY_SELF_ONLY);
    if (vn->nlink == 0 && vn->refs == 1)
        fsnotify_gone(vn);
    fsnotify_name(dir, name, vn, IN_DELETE, 0);
}

long
vfs_remove(struct path_parent *p, bool want_dir)
{
    struct vnode *vn;
    long ret;

    if (want_dir && !strcmp(p->last, "."))
        return -EINVAL;
    if (is_dot(p->last))
        return want_dir ? -ENOTEMPTY : -EISDIR;
    if ((ret = dir_lookup(p->dir, p->last, &vn)) < 0)
        return ret;
    if ((ret = remove_checks(p->dir, vn, want_dir, p->trailing_slash)) == 0 &&
        (ret = dir_unlink(p->dir, p->last)) == 0)
        notify_removed(p->dir, p->last, vn);
    vnode_put(vn);
    return ret;
}
