// Making and removing names: mkdir, mknod, symlink, link, unlink, rmdir,
// rename. Each finds the parent of its path (struct path_parent) and asks
// kernel/fs/names.c or rename.c, which check in Linux's order.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/fs_lookup.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/fs.h>

long
sys_mkdirat(int dirfd, const char __user *upath, uint32_t mode)
{
    struct path_parent p;
    long ret;

    if ((ret = parent_user(dirfd, upath, &p)) < 0)
        return ret;
    ret = vfs_mkdir(&p, mode);
    vnode_put(p.dir);
    return ret;
}

long
sys_mkdir(const char __user *p, uint32_t mode)
{
    return sys_mkdirat(AT_FDCWD, p, mode);
}

long
sys_unlinkat(int dirfd, const char __user *upath, int flags)
{
    struct path_parent p;
    long ret;

    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    if ((ret = parent_user(dirfd, upath, &p)) < 0)
        return ret;
    ret = vfs_remove(&p, flags & AT_REMOVEDIR);
    vnode_put(p.dir);
    return ret;
}

long
sys_unlink(const char __user *p)
{
    return sys_unlinkat(AT_FDCWD, p, 0);
}

long
sys_rmdir(const char __user *p)
{
    return sys_unlinkat(AT_FDCWD, p, AT_REMOVEDIR);
}

long
sys_symlinkat(const char __user *utarget, int dirfd, const char __user *upath)
{
    struct path_parent p;
    char *target;
    long ret;

    if ((ret = path_from_user(utarget, &target)) < 0)
        return ret;
    if (!target[0]) {
        kfree(target);
        return -ENOENT;
    }
    if ((ret = parent_user(dirfd, upath, &p)) < 0) {
        kfree(target);
        return ret;
    }
    ret = vfs_symlink(&p, target);
    vnode_put(p.dir);
    return ret;
}

long
sys_symlink(const char __user *t, const char __user *p)
{
    return sys_symlinkat(t, AT_FDCWD, p);
}

// may_mknod: the kinds of node mknod makes (0 means a regular file).
static long
mknod_kind(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK: return 0;
    case S_IFDIR: return -EPERM;
    default: return -EINVAL;
    }
}

// mknodat(2): regular files, FIFOs, sockets (which nothing serves: ENXIO
// on open) and, for root, device nodes; in do_mknodat's order of checks.
long
sys_mknodat(int dirfd, const char __user *upath, uint32_t mode, unsigned int dev)
{
    struct path_parent p;
    long ret;

    if ((ret = mknod_kind(mode)) < 0)
        return ret;
    if ((ret = parent_user(dirfd, upath, &p)) < 0)
        return ret;
    ret = vfs_mknod(&p, mode, dev);
    vnode_put(p.dir);
    return ret;
}

long
sys_mknod(const char __user *p, uint32_t mode, unsigned int dev)
{
    return sys_mknodat(AT_FDCWD, p, mode, dev);
}

// The filesystem OLDPATH's name is on (its parent's), for linkat's EXDEV; a
// file named only by a descriptor (AT_EMPTY_PATH) counts by its kind.
static enum vfs_mount
source_mount(int dirfd, const char __user *upath, struct vnode *vn)
{
    struct path_parent p;
    enum vfs_mount mount;

    if (parent_user(dirfd, upath, &p) < 0)
        return mount_of_unnamed(vn);
    mount = mount_of(p.dir);
    vnode_put(p.dir);
    return mount;
}

long
sys_linkat(int olddirfd, const char __user *oldpath, int newdirfd, const char __user *newpath,
           int flags)
{
    int follow = flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW;
    struct path_target t;
    struct path_parent p;
    long ret;

    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((ret = lookup_user(olddirfd, oldpath, follow | (flags & AT_EMPTY_PATH), &t)) < 0)
        return ret;
    if (t.nodeless)
        return -EXDEV;                     // the console, a pipe: on no filesystem here
    if ((ret = parent_user(newdirfd, newpath, &p)) == 0) {
        ret = vfs_link(t.vn, source_mount(olddirfd, oldpath, t.vn), &p);
        vnode_put(p.dir);
    }
    vnode_put(t.vn);
    return ret;
}

long
sys_link(const char __user *o, const char __user *n)
{
    return sys_linkat(AT_FDCWD, o, AT_FDCWD, n, 0);
}

long
sys_renameat2(int olddirfd, const char __user *oldpath, int newdirfd, const char __user *newpath,
              unsigned int flags)
{
    struct path_parent o, n;
    long ret;

    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL;   // LINUX-DIFF: no overlay filesystems, no whiteouts
    if ((ret = parent_user(olddirfd, oldpath, &o)) < 0)
        return ret;
    if ((ret = parent_user(newdirfd, newpath, &n)) == 0) {
        ret = vfs_rename(&o, &n, flags);
        vnode_put(n.dir);
    }
    vnode_put(o.dir);
    return ret;
}

long
sys_renameat(int od, const char __user *o, int nd, const char __user *n)
{
    return sys_renameat2(od, o, nd, n, 0);
}

long
sys_rename(const char __user *o, const char __user *n)
{
    return sys_renameat2(AT_FDCWD, o, AT_FDCWD, n, 0);
}
