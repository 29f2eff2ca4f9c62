// Changing what a file is rather than what it holds: its size by path
// (truncate), mode, owner and times. The rules for who may change what are
// kernel/fs/attr.c's; a descriptor without a node (the console, a pipe)
// accepts every change and keeps none.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/fs_lookup.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/time_types.h>

long
sys_truncate(const char __user *upath, int64_t length)
{
    struct path_target t;
    long ret;

    if (length < 0)
        return -EINVAL;
    if ((ret = lookup_user(AT_FDCWD, upath, 0, &t)) < 0)
        return ret;
    if (vnode_is_dir(t.vn))
        ret = -EISDIR;
    else if (!vnode_is_reg(t.vn))
        ret = -EINVAL;
    else if ((ret = vnode_permission(t.vn, MAY_WRITE)) == 0)
        ret = vnode_truncate(t.vn, length);
    vnode_put(t.vn);
    return ret;
}

long
sys_fchmodat(int dirfd, const char __user *upath, uint32_t mode)
{
    struct path_target t;
    long ret = lookup_user(dirfd, upath, 0, &t);

    if (ret < 0)
        return ret;
    ret = vfs_chmod(t.vn, mode);
    vnode_put(t.vn);
    return ret;
}

long
sys_chmod(const char __user *p, uint32_t mode)
{
    return sys_fchmodat(AT_FDCWD, p, mode);
}

long
sys_fchmod(int fd, uint32_t mode)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    return f->vn ? vfs_chmod(f->vn, mode) : 0;
}

long
sys_fchownat(int dirfd, const char __user *upath, uint32_t uid, uint32_t gid, int flags)
{
    struct path_target t;
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((ret = lookup_user(dirfd, upath, flags, &t)) < 0 || t.nodeless)
        return ret;
    ret = vfs_chown(t.vn, uid, gid);
    vnode_put(t.vn);
    return ret;
}

long
sys_chown(const char __user *p, uint32_t u, uint32_t g)
{
    return sys_fchownat(AT_FDCWD, p, u, g, 0);
}

long
sys_lchown(const char __user *p, uint32_t u, uint32_t g)
{
    return sys_fchownat(AT_FDCWD, p, u, g, AT_SYMLINK_NOFOLLOW);
}

long
sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    return f->vn ? vfs_chown(f->vn, uid, gid) : 0;
}

static bool
time_valid(const struct __kernel_timespec *ts)
{
    return ts->tv_nsec == UTIME_OMIT || ts->tv_nsec == UTIME_NOW ||
           (ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000);
}

// The node utimensat(2) changes: UPATH from DIRFD, or DIRFD itself when
// UPATH is NULL (futimens). NULL in *OUT with 0: a file without a node.
static long
utimes_target(int dirfd, const char __user *upath, int flags, struct vnode **out)
{
    struct path_target t;
    struct file *f;
    long ret;

    *out = NULL;
    if (upath) {
        if ((ret = lookup_user(dirfd, upath, flags, &t)) == 0)
            *out = t.vn;
        return ret;
    }
    if (!(f = fd_get(dirfd)))
        return -EBADF;
    if (f->vn)
        *out = vnode_get(f->vn);
    return 0;
}

long
sys_utimensat(int dirfd, const char __user *upath, const struct __kernel_timespec __user *utimes,
              int flags)
{
    struct __kernel_timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    struct vnode *vn;
    long ret;

    if (utimes && copy_from_user(ts, utimes, sizeof(ts)) < 0)
        return -EFAULT;
    if (!time_valid(&ts[0]) || !time_valid(&ts[1]))
        return -EINVAL;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((ret = utimes_target(dirfd, upath, flags, &vn)) < 0 || !vn)
        return ret;
    ret = vfs_utimes(vn, ts);
    vnode_put(vn);
    return ret;
}

// utime's and utimes' struct utimbuf and struct timeval, as x86-64 lays them out.
struct utimbuf_k {
    int64_t actime, modtime;
};
struct timeval_pair_k {
    int64_t sec, usec;
};

// utime, utimes and futimesat: utimensat with whole seconds or
// microseconds, TS NULL for now. A NULL path names DIRFD itself (futimesat)
// or, from AT_FDCWD, nothing: EFAULT, as Linux.
static long
set_times(int dirfd, const char __user *upath, const struct __kernel_timespec *ts)
{
    static const struct __kernel_timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    struct vnode *vn;
    long ret;

    if (!upath && dirfd == AT_FDCWD)
        return -EFAULT;
    if ((ret = utimes_target(dirfd, upath, 0, &vn)) < 0 || !vn)
        return ret;
    ret = vfs_utimes(vn, ts ? ts : now);
    vnode_put(vn);
    return ret;
}

long
sys_utime(const char __user *filename, const struct utimbuf_k __user *times)
{
    struct __kernel_timespec ts[2] = { { 0, 0 }, { 0, 0 } };
    struct utimbuf_k t;

    if (!times)
        return set_times(AT_FDCWD, filename, NULL);
    if (copy_from_user(&t, times, sizeof(t)) < 0)
        return -EFAULT;
    ts[0].tv_sec = t.actime, ts[1].tv_sec = t.modtime;
    return set_times(AT_FDCWD, filename, ts);
}

// Microseconds are checked before they are multiplied, so that no value
// out of range (nor UTIME_NOW or UTIME_OMIT) slips through, as Linux.
long
sys_futimesat(int dirfd, const char __user *filename, const struct timeval_pair_k __user *utimes)
{
    struct __kernel_timespec ts[2];
    struct timeval_pair_k tv[2];

    if (!utimes)
        return set_times(dirfd, filename, NULL);
    if (copy_from_user(tv, utimes, sizeof(tv)) < 0)
        return -EFAULT;
    for (int i = 0; i < 2; i++) {
        if (tv[i].usec < 0 || tv[i].usec >= 1000000)
            return -EINVAL;
        ts[i].tv_sec = tv[i].sec, ts[i].tv_nsec = tv[i].usec * 1000;
    }
    return set_times(dirfd, filename, ts);
}

long
sys_utimes(const char __user *filename, const struct timeval_pair_k __user *utimes)
{
    return sys_futimesat(AT_FDCWD, filename, utimes);
}
