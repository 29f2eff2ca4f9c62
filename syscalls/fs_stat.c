// Asking about files without opening them: stat and its variants, statx,
// access, readlink, statfs. A path from AT_EMPTY_PATH may name a console or
// a pipe, which has no node: its file's own stat answers.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/fs_lookup.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <asm/statfs.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/magic.h>

// The stat of what T names (and drop its node).
static long
target_stat(struct path_target *t, struct stat *st)
{
    if (t->nodeless)
        return t->nodeless->ops->stat(t->nodeless, st);
    vnode_stat(t->vn, st);
    vnode_put(t->vn);
    return 0;
}

long
sys_fstat(int fd, struct stat __user *ust)
{
    struct file *f = fd_get_raw(fd);
    struct stat st;
    long ret = 0;

    if (!f)
        return -EBADF;
    if (f->vn)
        vnode_stat(f->vn, &st);
    else
        ret = f->ops->stat(f, &st);
    return ret < 0 ? ret : copy_to_user(ust, &st, sizeof(st));
}

long
sys_newfstatat(int dirfd, const char __user *upath, struct stat __user *ust, int flags)
{
    struct path_target t;
    struct stat st;
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    if ((ret = lookup_user(dirfd, upath, flags, &t)) < 0 || (ret = target_stat(&t, &st)) < 0)
        return ret;
    return copy_to_user(ust, &st, sizeof(st));
}

long
sys_stat(const char __user *p, struct stat __user *st)
{
    return sys_newfstatat(AT_FDCWD, p, st, 0);
}

long
sys_lstat(const char __user *p, struct stat __user *st)
{
    return sys_newfstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW);
}

static void
fill_statx(const struct stat *st, struct statx *sx)
{
    memset(sx, 0, sizeof(*sx));
    sx->stx_mask = STATX_BASIC_STATS;
    sx->stx_blksize = st->st_blksize;
    sx->stx_nlink = st->st_nlink;
    sx->stx_uid = st->st_uid;
    sx->stx_gid = st->st_gid;
    sx->stx_mode = st->st_mode;
    sx->stx_ino = st->st_ino;
    sx->stx_size = st->st_size;
    sx->stx_blocks = st->st_blocks;
    sx->stx_atime = (struct statx_timestamp){ st->st_atime, st->st_atime_nsec, 0 };
    sx->stx_mtime = (struct statx_timestamp){ st->st_mtime, st->st_mtime_nsec, 0 };
    sx->stx_ctime = (struct statx_timestamp){ st->st_ctime, st->st_ctime_nsec, 0 };
    sx->stx_rdev_major = st->st_rdev >> 8;
    sx->stx_rdev_minor = st->st_rdev & 0xff;
    sx->stx_dev_major = st->st_dev >> 8;
    sx->stx_dev_minor = st->st_dev & 0xff;
}

long
sys_statx(int dirfd, const char __user *upath, int flags, unsigned int mask,
          struct statx __user *ubuf)
{
    struct path_target t;
    struct stat st;
    struct statx sx;
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if (mask & STATX__RESERVED)
        return -EINVAL;
    if ((ret = lookup_user(dirfd, upath, flags, &t)) < 0 || (ret = target_stat(&t, &st)) < 0)
        return ret;
    fill_statx(&st, &sx);
    return copy_to_user(ubuf, &sx, sizeof(sx));
}

// A file without a node (the console, a pipe) is always accessible.
static long
access_check(int dirfd, const char __user *upath, int mode, int flags)
{
    struct path_target t;
    long ret;

    if ((ret = lookup_user(dirfd, upath, flags, &t)) < 0 || t.nodeless)
        return ret;
    ret = mode ? vnode_permission(t.vn, mode) : 0;   // R_OK, W_OK, X_OK are MAY_*
    vnode_put(t.vn);
    return ret;
}

// faccessat2(2): the real ids answer, path search included, unless
// AT_EACCESS asks for the filesystem ids (Linux's access_override_creds).
long
sys_faccessat2(int dirfd, const char __user *upath, int mode, int flags)
{
    struct creds *c = &current_proc()->creds;
    uint32_t fsuid = c->fsuid, fsgid = c->fsgid;
    long ret;

    if (mode & ~(MAY_READ | MAY_WRITE | MAY_EXEC))
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (!(flags & AT_EACCESS))
        c->fsuid = c->ruid, c->fsgid = c->rgid;
    ret = access_check(dirfd, upath, mode, flags);
    c->fsuid = fsuid, c->fsgid = fsgid;
    return ret;
}

long
sys_faccessat(int dirfd, const char __user *p, int mode)
{
    return sys_faccessat2(dirfd, p, mode, 0);
}

long
sys_access(const char __user *p, int mode)
{
    return sys_faccessat2(AT_FDCWD, p, mode, 0);
}

long
sys_readlinkat(int dirfd, const char __user *upath, char __user *buf, int bufsiz)
{
    struct path_target t;
    char *target;
    long ret;

    if (bufsiz <= 0)
        return -EINVAL;
    if ((ret = lookup_user(dirfd, upath, AT_SYMLINK_NOFOLLOW, &t)) < 0)
        return ret;
    if (!vnode_is_link(t.vn)) {
        vnode_put(t.vn);
        return -EINVAL;
    }
    if (!(target = kmalloc(PATH_MAX_LINUX))) {
        vnode_put(t.vn);
        return -ENOMEM;
    }
    ret = t.vn->dyn_link ? t.vn->dyn_link(t.vn, target, PATH_MAX_LINUX)
                         : (strlcpy(target, t.vn->link, PATH_MAX_LINUX), 0);
    vnode_put(t.vn);
    if (ret == 0) {
        ret = MIN(strlen(target), (size_t)bufsiz);
        if (copy_to_user(buf, target, ret) < 0)
            ret = -EFAULT;
    }
    kfree(target);
    return ret;
}

long
sys_readlink(const char __user *p, char __user *buf, int n)
{
    return sys_readlinkat(AT_FDCWD, p, buf, n);
}

// Every path is on one tmpfs of fixed sizes (table.tsv: partial).
static void
fill_statfs(struct statfs *sf)
{
    memset(sf, 0, sizeof(*sf));
    sf->f_type = TMPFS_MAGIC;
    sf->f_bsize = 4096;
    sf->f_blocks = 262144;
    sf->f_bfree = sf->f_bavail = 131072;
    sf->f_files = 1 << 20;
    sf->f_ffree = 1 << 19;
    sf->f_namelen = NAME_MAX_LINUX;
    sf->f_frsize = 4096;
}

long
sys_statfs(const char __user *upath, struct statfs __user *buf)
{
    struct path_target t;
    struct statfs sf;
    long ret = lookup_user(AT_FDCWD, upath, 0, &t);

    if (ret < 0)
        return ret;
    vnode_put(t.vn);
    fill_statfs(&sf);
    return copy_to_user(buf, &sf, sizeof(sf));
}

long
sys_fstatfs(int fd, struct statfs __user *buf)
{
    struct statfs sf;

    if (!fd_get_raw(fd))
        return -EBADF;
    fill_statfs(&sf);
    return copy_to_user(buf, &sf, sizeof(sf));
}
