// Path syscalls: they resolve names with fs/path.c and change the tree with
// fs/dir.c; every check is made in the order Linux makes it.
#include "types.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "drivers/clock.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <asm/statfs.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/memfd.h>
#include <linux/fs.h>
#include <linux/time_types.h>

long sys_fstat(int fd, struct stat __user *st);

// Internal: an AT_EMPTY_PATH lookup found a file with no node (the console, a pipe).
#define E_NO_VNODE 4096

// utimensat(2)'s special tv_nsec values (include/linux/stat.h in the kernel, not the UAPI).
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

#define OPEN_VALID (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
                    FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | \
                    __O_SYNC | O_PATH | __O_TMPFILE)

// A path from the program in a kernel buffer; free with kfree.
static long
get_path(const char __user *upath, char **out)
{
    char *buf = kmalloc(PATH_MAX_LINUX);
    long ret;

    if (!buf)
        return -ENOMEM;
    if ((ret = strncpy_from_user(buf, upath, PATH_MAX_LINUX)) < 0) {
        kfree(buf);
        return ret;
    }
    *out = buf;
    return 0;
}

// May the caller access VN for MASK (4 read, 2 write, 1 execute)?
static long
permission(struct vnode *vn, int mask)
{
    return vnode_permission(vn, mask);
}

// May the caller remove the name of VICTIM from DIR (may_delete)? Write and
// search on DIR, then the sticky bit: only the file's or the folder's owner.
static long
may_delete(struct vnode *dir, struct vnode *victim)
{
    long ret = permission(dir, 3);

    if (ret == 0 && (dir->mode & S_ISVTX) && !vnode_owner_or_root(victim) && !vnode_owner_or_root(dir))
        ret = -EPERM;
    return ret;
}

// Which filesystem directory DIR is on, as Linux would mount them: /dev,
// /proc and /sys are filesystems of their own, the rest is one (0).
enum { MOUNT_ROOT, MOUNT_DEV, MOUNT_PROC, MOUNT_SYS };

static int
mount_of(struct vnode *dir)
{
    static const char *const mounts[] = { "dev", "proc", "sys" };   // MOUNT_DEV..MOUNT_SYS

    while (dir->parent && dir->parent != vfs_root && dir->parent != dir)
        dir = dir->parent;
    if (dir->parent != vfs_root || !dir->name)
        return 0;
    for (int i = 0; i < 3; i++)
        if (!strcmp(dir->name, mounts[i]))
            return i + 1;
    return 0;
}

// Making a name in /proc or /sys: proc's lookup of a missing name fails
// (ENOENT) before creation is tried; sysfs has no create methods (SYS_ERR).
static long
synthetic_create(struct vnode *dir, long sys_err)
{
    int mount = mount_of(dir);

    return mount == MOUNT_PROC ? -ENOENT : mount == MOUNT_SYS ? sys_err : 0;
}

// Removing or renaming a name in /proc or /sys: no such methods, EPERM.
static long
synthetic_remove(struct vnode *dir)
{
    int mount = mount_of(dir);

    return mount == MOUNT_PROC || mount == MOUNT_SYS ? -EPERM : 0;
}

// The absolute path of NAME in DIR, for /proc/self/fd.
static char *
make_path(struct vnode *dir, const char *name)
{
    char *buf = kmalloc(PATH_MAX_LINUX);
    long n;

    if (!buf)
        return NULL;
    if ((n = vnode_path(dir, buf, PATH_MAX_LINUX)) < 0) {
        kfree(buf);
        return NULL;
    }
    if (strcmp(name, ".") && n + strlen(name) + 1 < PATH_MAX_LINUX) {
        if (n > 2)
            strlcpy(buf + n - 1, "/", 2), n++;
        strlcpy(buf + n - 1, name, PATH_MAX_LINUX - n + 1);
    }
    return buf;
}

// A new node's owner (inode_init_owner): the caller's fs ids, but the
// group of a set-group-ID folder, whose subfolders inherit the bit too.
static void
set_new_owner(struct vnode *dir, struct vnode *vn)
{
    struct creds *c = &current_proc()->creds;

    vn->uid = c->fsuid;
    vn->gid = c->fsgid;
    if (!dir || !(dir->mode & S_ISGID))
        return;
    vn->gid = dir->gid;
    if (vnode_is_dir(vn))
        vn->mode |= S_ISGID;
    else if ((vn->mode & S_IXGRP) && c->fsuid != 0 && c->fsgid != vn->gid)
        vn->mode &= ~S_ISGID;
}

static struct vnode *
create_file(struct vnode *dir, const char *name, uint32_t mode)
{
    struct vnode *vn = vnode_new(S_IFREG | (mode & 07777 & ~current_proc()->umask));

    if (!vn)
        return NULL;
    set_new_owner(dir, vn);
    if (name && dir_link(dir, name, vn) < 0) {
        vnode_put(vn);
        return NULL;
    }
    return vn;
}

// openat2's RESOLVE_* as path walk flags.
static unsigned
resolve_to_lookup(uint64_t resolve)
{
    return (resolve & RESOLVE_NO_SYMLINKS ? LOOKUP_NO_SYMLINKS : 0) |
           (resolve & RESOLVE_NO_MAGICLINKS ? LOOKUP_NO_MAGICLINKS : 0) |
           (resolve & RESOLVE_BENEATH ? LOOKUP_BENEATH : 0) |
           (resolve & RESOLVE_IN_ROOT ? LOOKUP_IN_ROOT : 0);
}

// Look up LAST in *DIR, following a symlink there as open(2) does: a dangling
// link names the file O_CREAT makes, so *DIR and LAST move to the link's target.
static long
open_last(struct vnode *root, struct vnode **dir, char *last, int flags, unsigned lookup,
          bool trailing, struct vnode **out)
{
    bool follow = !(flags & O_NOFOLLOW) || trailing;
    char *target;
    struct vnode *vn = NULL, *next;
    long ret;

    for (int links = 0;; links++) {
        if ((ret = dir_lookup(*dir, last, &vn)) < 0 || !vnode_is_link(vn) || !follow ||
            (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
            break;
        if (links == 40 || (lookup & LOOKUP_NO_SYMLINKS) ||
            ((lookup & LOOKUP_NO_MAGICLINKS) && vn->dyn_link))
            ret = -ELOOP;
        else if (!(target = kmalloc(PATH_MAX_LINUX)))
            ret = -ENOMEM;
        else {
            if ((ret = vnode_readlink(vn, target, PATH_MAX_LINUX)) == 0 &&
                (ret = path_lookup_in(root, *dir, target, lookup | LOOKUP_PARENT, &next, last)) >= 0) {
                vnode_put(*dir);
                *dir = next;
                ret = 0;
            }
            kfree(target);
        }
        vnode_put(vn);
        if (ret < 0)
            return ret;
    }
    if (ret == 0)
        *out = vn;
    return ret;
}

// Find or create the file for open(2); returns a referenced node and its directory.
static long
open_lookup(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup,
            struct vnode **out, struct vnode **dir_out, char *last)
{
    struct vnode *dir, *vn = NULL, *root = NULL;
    long err = 0, ret;

    if (lookup && !(root = vfs_dirfd_vnode(dirfd, &err)))
        return err;
    if ((ret = path_lookup_at(dirfd, path, lookup | LOOKUP_PARENT, &dir, last)) < 0)
        goto out;
    if (ret == 1 && (flags & O_CREAT)) {
        vnode_put(dir);
        ret = -EISDIR;                        // "name/" cannot be created as a file
        goto out;
    }
    ret = open_last(root, &dir, last, flags, lookup, ret == 1, &vn);
    if (ret == -ENOENT && (flags & O_CREAT)) {
        if ((ret = synthetic_create(dir, -EACCES)) == 0 && (ret = permission(dir, 3)) == 0)
            ret = (vn = create_file(dir, last, mode)) ? 0 : -ENOMEM;
    } else if (ret == 0 && (flags & O_CREAT) && (flags & O_EXCL)) {
        vnode_put(vn);
        ret = -EEXIST;
    }
    if (ret < 0)
        vnode_put(dir);
    else
        *out = vn, *dir_out = dir;
out:
    if (root)
        vnode_put(root);
    return ret;
}

// The checks of an open after lookup, in Linux's order (do_open, may_open).
static long
check_open(struct vnode *vn, int flags, const char *path)
{
    int acc = flags & O_ACCMODE;

    if ((flags & O_DIRECTORY) && !vnode_is_dir(vn))
        return -ENOTDIR;
    if (path[strlen(path) - 1] == '/' && !vnode_is_dir(vn))
        return -ENOTDIR;
    if (flags & O_PATH)
        return 0;
    if (vnode_is_link(vn))
        return -ELOOP;                         // O_NOFOLLOW on a symlink
    if (vnode_is_dir(vn) && (acc != O_RDONLY || (flags & O_CREAT)))
        return -EISDIR;
    return permission(vn, (acc != O_WRONLY ? 4 : 0) | (acc != O_RDONLY ? 2 : 0) | (flags & O_TRUNC ? 2 : 0));
}

#define O_TMPFILE_MASK (__O_TMPFILE | O_DIRECTORY | O_CREAT)

// O_TMPFILE: an unnamed regular file in the directory PATH, which
// linkat(AT_EMPTY_PATH) may name later unless O_EXCL was given.
static long
open_tmpfile(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup)
{
    char name[32];
    struct vnode *dir, *vn;
    struct file *f;
    long ret = path_lookup_at(dirfd, path, lookup | LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir, NULL);

    if (ret < 0)
        return ret;
    if ((ret = permission(dir, 3)) < 0)
        goto out;
    if (!(vn = create_file(dir, NULL, mode))) {
        ret = -ENOMEM;
        goto out;
    }
    vn->linkable = !(flags & O_EXCL);
    ret = vfs_open_vnode(vn, flags & ~(O_CLOEXEC | O_TMPFILE_MASK | O_EXCL), &f);
    if (ret == 0) {
        snprintf(name, sizeof(name), "#%lu", vn->ino);   // as Linux names it in /proc
        f->path = make_path(dir, name);
        if ((ret = fd_install(-1, f, flags & O_CLOEXEC)) < 0)
            file_put(f);
    }
    vnode_put(vn);
out:
    vnode_put(dir);
    return ret;
}

static long
do_open(int dirfd, const char __user *upath, int flags, uint32_t mode, unsigned lookup)
{
    char *path, last[NAME_MAX_LINUX + 1];
    struct vnode *vn = NULL, *dir = NULL;
    struct file *f;
    long ret;

    if (flags & ~OPEN_VALID)
        flags &= OPEN_VALID;                   // Linux ignores unknown flags in open(2)
    if (flags & O_PATH)                        // before anything else, as build_open_how
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & __O_TMPFILE) && ((flags & O_TMPFILE_MASK) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY))
        return -EINVAL;
    if ((ret = get_path(upath, &path)) < 0)
        return ret;
    if (flags & __O_TMPFILE) {
        ret = open_tmpfile(dirfd, path, flags, mode, lookup);
        goto out;
    }
    ret = open_lookup(dirfd, path, flags, mode, lookup, &vn, &dir, last);
    if (ret < 0)
        goto out;
    // O_TRUNC truncates even with O_RDONLY, as on Linux (check_open asked for write permission).
    if ((ret = check_open(vn, flags, path)) == 0 && (flags & O_TRUNC) && vnode_is_reg(vn))
        ret = vnode_truncate(vn, 0);
    if (ret == 0 && (ret = vfs_open_vnode(vn, flags & ~O_CLOEXEC, &f)) == 0) {
        f->path = vnode_is_dir(vn) ? make_path(vn, ".") : make_path(dir, last);
        if ((ret = fd_install(-1, f, flags & O_CLOEXEC)) < 0)
            file_put(f);
    }
    vnode_put(vn);
    vnode_put(dir);
out:
    kfree(path);
    return ret;
}

long sys_open(const char __user *path, int flags, uint32_t mode) { return do_open(AT_FDCWD, path, flags, mode, 0); }
long sys_openat(int dirfd, const char __user *path, int flags, uint32_t mode) { return do_open(dirfd, path, flags, mode, 0); }
long sys_creat(const char __user *path, uint32_t mode) { return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0); }

#define RESOLVE_VALID (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
                       RESOLVE_IN_ROOT | RESOLVE_CACHED)

// openat2's struct checks, in build_open_flags' order; unlike open(2) nothing unknown is ignored.
static long
check_open_how(const struct open_how *how)
{
    uint64_t create = how->flags & (O_CREAT | __O_TMPFILE);

    if (how->flags & ~(uint64_t)OPEN_VALID)
        return -EINVAL;
    if (how->resolve & ~(uint64_t)RESOLVE_VALID)
        return -EINVAL;
    if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT))
        return -EINVAL;
    if (create ? how->mode & ~07777ull : how->mode)
        return -EINVAL;
    if ((how->flags & O_PATH) && (how->flags & ~(uint64_t)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)))
        return -EINVAL;
    if ((how->resolve & RESOLVE_CACHED) && (how->flags & (O_TRUNC | O_CREAT | __O_TMPFILE)))
        return -EAGAIN;
    return 0;
}

// openat2(2). LINUX-DIFF: one filesystem, so RESOLVE_NO_XDEV never refuses a
// crossing (into /proc or /dev); every lookup is "cached" for RESOLVE_CACHED.
long
sys_openat2(int dirfd, const char __user *path, struct open_how __user *uhow, size_t size)
{
    struct open_how how;
    uint8_t extra;
    long ret;

    if (size < sizeof(how))
        return -EINVAL;
    if (size > PAGE_SIZE)
        return -E2BIG;
    if (copy_from_user(&how, uhow, sizeof(how)) < 0)
        return -EFAULT;
    for (size_t i = sizeof(how); i < size; i++) {    // a newer struct: its extra fields must be 0
        if (copy_from_user(&extra, (const char __user *)uhow + i, 1) < 0)
            return -EFAULT;
        if (extra)
            return -E2BIG;
    }
    if ((ret = check_open_how(&how)) < 0)
        return ret;
    return do_open(dirfd, path, how.flags, how.mode, resolve_to_lookup(how.resolve));
}

// Look PATH up relative to DIRFD with FLAGS (AT_* as for fstatat).
long
lookup_user(int dirfd, const char __user *upath, int atflags, struct vnode **out)
{
    char *path;
    long ret;

    if ((ret = get_path(upath, &path)) < 0)
        return ret;
    if (!path[0] && (atflags & AT_EMPTY_PATH)) {
        struct file *f = dirfd == AT_FDCWD ? NULL : fd_get_raw(dirfd);
        if (dirfd == AT_FDCWD)
            *out = vfs_cwd();
        else if (!f)
            ret = -EBADF;
        else if (!f->vn)
            ret = -E_NO_VNODE;            // the console and pipes are handled by fstat
        else
            *out = vnode_get(f->vn);
    } else {
        ret = path_lookup_at(dirfd, path, atflags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, out, NULL);
    }
    kfree(path);
    return ret;
}

long
sys_newfstatat(int dirfd, const char __user *upath, struct stat __user *ust, int flags)
{
    struct vnode *vn;
    struct stat st;
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    ret = lookup_user(dirfd, upath, flags, &vn);
    if (ret == -E_NO_VNODE)
        return sys_fstat(dirfd, ust);
    if (ret < 0)
        return ret;
    vnode_stat(vn, &st);
    vnode_put(vn);
    return copy_to_user(ust, &st, sizeof(st));
}

long sys_stat(const char __user *p, struct stat __user *st) { return sys_newfstatat(AT_FDCWD, p, st, 0); }
long sys_lstat(const char __user *p, struct stat __user *st) { return sys_newfstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW); }

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
sys_statx(int dirfd, const char __user *upath, int flags, unsigned int mask, struct statx __user *ubuf)
{
    struct vnode *vn;
    struct stat st;
    struct statx sx;
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if (mask & STATX__RESERVED)
        return -EINVAL;
    ret = lookup_user(dirfd, upath, flags, &vn);
    if (ret == -E_NO_VNODE) {
        struct file *f = fd_get_raw(dirfd);
        ret = f->ops->stat(f, &st);
    } else if (ret == 0) {
        vnode_stat(vn, &st);
        vnode_put(vn);
    }
    if (ret < 0)
        return ret;
    fill_statx(&st, &sx);
    return copy_to_user(ubuf, &sx, sizeof(sx));
}

static long
access_check(int dirfd, const char __user *upath, int mode, int flags)
{
    struct vnode *vn;
    long ret;

    if ((ret = lookup_user(dirfd, upath, flags, &vn)) < 0)
        return ret == -E_NO_VNODE ? 0 : ret;
    ret = mode ? permission(vn, mode) : 0;
    vnode_put(vn);
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

    if (mode & ~7)
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (!(flags & AT_EACCESS))
        c->fsuid = c->ruid, c->fsgid = c->rgid;
    ret = access_check(dirfd, upath, mode, flags);
    c->fsuid = fsuid, c->fsgid = fsgid;
    return ret;
}

long sys_faccessat(int dirfd, const char __user *p, int mode) { return sys_faccessat2(dirfd, p, mode, 0); }
long sys_access(const char __user *p, int mode) { return sys_faccessat2(AT_FDCWD, p, mode, 0); }

long
sys_readlinkat(int dirfd, const char __user *upath, char __user *buf, int bufsiz)
{
    struct vnode *vn;
    char *target;
    long ret;

    if (bufsiz <= 0)
        return -EINVAL;
    if ((ret = lookup_user(dirfd, upath, AT_SYMLINK_NOFOLLOW, &vn)) < 0)
        return ret == -E_NO_VNODE ? -ENOENT : ret;
    if (!vnode_is_link(vn)) {
        vnode_put(vn);
        return -EINVAL;
    }
    if (!(target = kmalloc(PATH_MAX_LINUX))) {
        vnode_put(vn);
        return -ENOMEM;
    }
    ret = vn->dyn_link ? vn->dyn_link(vn, target, PATH_MAX_LINUX) : (strlcpy(target, vn->link, PATH_MAX_LINUX), 0);
    vnode_put(vn);
    if (ret == 0) {
        ret = MIN(strlen(target), (size_t)bufsiz);
        if (copy_to_user(buf, target, ret) < 0)
            ret = -EFAULT;
    }
    kfree(target);
    return ret;
}

long sys_readlink(const char __user *p, char __user *buf, int n) { return sys_readlinkat(AT_FDCWD, p, buf, n); }

long
sys_getcwd(char __user *buf, size_t size)
{
    char *path = kmalloc(PATH_MAX_LINUX);
    struct vnode *cwd;
    long n;

    if (!path)
        return -ENOMEM;
    cwd = vfs_cwd();
    n = vnode_path(cwd, path, PATH_MAX_LINUX);
    vnode_put(cwd);
    if (n >= 0 && (size_t)n > size)
        n = -ERANGE;
    if (n >= 0 && copy_to_user(buf, path, n) < 0)
        n = -EFAULT;
    kfree(path);
    return n;
}

static long
set_cwd(struct vnode *vn)
{
    struct proc *p = current_proc();
    long ret;

    if (!vnode_is_dir(vn))
        ret = -ENOTDIR;
    else if ((ret = permission(vn, 1)) == 0) {
        vnode_put(p->cwd_vn);
        p->cwd_vn = vnode_get(vn);
        p->cwd_pending = NULL;
    }
    vnode_put(vn);
    return ret;
}

long
sys_chdir(const char __user *upath)
{
    struct vnode *vn;
    long ret = lookup_user(AT_FDCWD, upath, 0, &vn);

    return ret < 0 ? ret : set_cwd(vn);
}

long
sys_fchdir(int fd)
{
    struct file *f = fd_get_raw(fd);

    if (!f)
        return -EBADF;
    if (!f->vn)
        return -ENOTDIR;
    return set_cwd(vnode_get(f->vn));
}

// Resolve the parent of UPATH for a call that creates or removes its last name.
static long
parent_user(int dirfd, const char __user *upath, struct vnode **dir, char *last, bool *trailing)
{
    char *path;
    long ret;

    if ((ret = get_path(upath, &path)) < 0)
        return ret;
    ret = path_lookup_at(dirfd, path, LOOKUP_PARENT, dir, last);
    kfree(path);
    if (ret >= 0 && trailing)
        *trailing = ret == 1;
    return ret < 0 ? ret : 0;
}

static bool
is_dot(const char *name)
{
    return !strcmp(name, ".") || !strcmp(name, "..");
}

long
sys_mkdirat(int dirfd, const char __user *upath, uint32_t mode)
{
    char last[NAME_MAX_LINUX + 1];
    struct vnode *dir, *vn;
    long ret;

    if ((ret = parent_user(dirfd, upath, &dir, last, NULL)) < 0)
        return ret;
    if (dir_lookup(dir, last, &vn) == 0) {
        vnode_put(vn);
        ret = -EEXIST;
    } else if ((ret = synthetic_create(dir, -EPERM)) == 0 && (ret = permission(dir, 3)) == 0) {
        vn = dir_mkdir(dir, last, mode & 07777 & ~current_proc()->umask);
        if (vn)
            set_new_owner(dir, vn);
        ret = vn ? 0 : -ENOMEM;
    }
    vnode_put(dir);
    return ret;
}

long sys_mkdir(const char __user *p, uint32_t mode) { return sys_mkdirat(AT_FDCWD, p, mode); }


// unlink and rmdir after the lookup, in Linux's order: unlink's trailing
// slash, may_delete (EACCES, sticky EPERM), the type, then emptiness.
static long
remove_checks(struct vnode *dir, struct vnode *vn, bool want_dir, bool trailing)
{
    long ret;

    if (!want_dir && trailing)               // do_unlinkat's "slashes" case
        return vnode_is_dir(vn) ? -EISDIR : -ENOTDIR;
    if ((ret = may_delete(dir, vn)) < 0)
        return ret;
    if ((ret = synthetic_remove(dir)) < 0)
        return ret;
    if (want_dir != vnode_is_dir(vn))
        return want_dir ? -ENOTDIR : -EISDIR;
    if (want_dir && (!dir_is_empty(vn) || vn->dyn_list))
        return -ENOTEMPTY;
    return 0;
}

static long
remove_name(struct vnode *dir, const char *last, bool want_dir, bool trailing)
{
    struct vnode *vn;
    long ret;

    if (want_dir && !strcmp(last, "."))
        return -EINVAL;
    if (is_dot(last))
        return want_dir ? -ENOTEMPTY : -EISDIR;
    if ((ret = dir_lookup(dir, last, &vn)) < 0)
        return ret;
    if ((ret = remove_checks(dir, vn, want_dir, trailing)) == 0)
        ret = dir_unlink(dir, last);
    vnode_put(vn);
    return ret;
}

long
sys_unlinkat(int dirfd, const char __user *upath, int flags)
{
    char last[NAME_MAX_LINUX + 1];
    struct vnode *dir;
    bool trailing;
    long ret;

    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    if ((ret = parent_user(dirfd, upath, &dir, last, &trailing)) < 0)
        return ret;
    ret = remove_name(dir, last, flags & AT_REMOVEDIR, trailing);
    vnode_put(dir);
    return ret;
}

long sys_unlink(const char __user *p) { return sys_unlinkat(AT_FDCWD, p, 0); }
long sys_rmdir(const char __user *p) { return sys_unlinkat(AT_FDCWD, p, AT_REMOVEDIR); }

// May LAST be made in DIR by link or symlink? Linux's filename_create: an
// existing name is EEXIST; "name/" for a new non-directory is ENOENT.
static long
check_new_name(struct vnode *dir, const char *last, bool trailing)
{
    struct vnode *vn;

    if (dir_lookup(dir, last, &vn) == 0) {
        vnode_put(vn);
        return -EEXIST;
    }
    return trailing ? -ENOENT : synthetic_create(dir, 0);
}

long
sys_symlinkat(const char __user *utarget, int dirfd, const char __user *upath)
{
    char last[NAME_MAX_LINUX + 1], *target;
    struct vnode *dir, *vn;
    bool trailing;
    long ret;

    if ((ret = get_path(utarget, &target)) < 0)
        return ret;
    if (!target[0]) {
        kfree(target);
        return -ENOENT;
    }
    if ((ret = parent_user(dirfd, upath, &dir, last, &trailing)) < 0) {
        kfree(target);
        return ret;
    }
    ret = check_new_name(dir, last, trailing);
    if (ret == 0)
        ret = permission(dir, 3);             // may_create
    if (ret == 0)
        ret = synthetic_create(dir, -EPERM);  // sysfs: no symlink method
    if (ret == 0 && !(vn = vnode_new(S_IFLNK | 0777))) {
        ret = -ENOMEM;
    } else if (ret == 0) {
        vn->link = target, target = NULL;
        vn->size = strlen(vn->link);
        set_new_owner(dir, vn);
        ret = dir_link(dir, last, vn);
        vnode_put(vn);
    }
    kfree(target);
    vnode_put(dir);
    return ret;
}

long sys_symlink(const char __user *t, const char __user *p) { return sys_symlinkat(t, AT_FDCWD, p); }

// may_mknod: the kinds of node mknod makes (0 means a regular file).
static long
mknod_kind(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case 0: case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
        return 0;
    case S_IFDIR:
        return -EPERM;
    default:
        return -EINVAL;
    }
}

// A new node of MODE's kind named LAST in DIR; a character device gets the
// operations of the /dev device with its number.
static long
make_node(struct vnode *dir, const char *last, uint32_t mode, unsigned int dev)
{
    uint32_t kind = mode & S_IFMT ? mode & S_IFMT : S_IFREG;
    struct vnode *vn = vnode_new(kind | (mode & 07777 & ~current_proc()->umask));
    long ret;

    if (!vn)
        return -ENOMEM;
    set_new_owner(dir, vn);
    if (S_ISCHR(kind) || S_ISBLK(kind))
        vn->rdev = dev;
    if (S_ISCHR(kind))
        vn->fops = devfs_ops_for(dev);
    ret = dir_link(dir, last, vn);
    vnode_put(vn);
    return ret;
}

// mknodat(2): regular files, FIFOs, sockets (which nothing serves: ENXIO
// on open) and, for root, device nodes; in do_mknodat's order of checks.
long
sys_mknodat(int dirfd, const char __user *upath, uint32_t mode, unsigned int dev)
{
    char last[NAME_MAX_LINUX + 1];
    struct vnode *dir;
    bool trailing;
    long ret;

    if ((ret = mknod_kind(mode)) < 0)
        return ret;
    if ((ret = parent_user(dirfd, upath, &dir, last, &trailing)) < 0)
        return ret;
    ret = check_new_name(dir, last, trailing);
    if (ret == 0)
        ret = permission(dir, 3);             // may_create
    if (ret == 0 && (S_ISCHR(mode) || S_ISBLK(mode)) && current_proc()->creds.fsuid != 0)
        ret = -EPERM;                          // CAP_MKNOD
    if (ret == 0)
        ret = synthetic_create(dir, -EPERM);
    if (ret == 0)
        ret = make_node(dir, last, mode, dev);
    vnode_put(dir);
    return ret;
}

long sys_mknod(const char __user *p, uint32_t mode, unsigned int dev) { return sys_mknodat(AT_FDCWD, p, mode, dev); }

// fs.protected_hardlinks (on in Debian): only the owner or root may link a
// file that is not a plain regular file the caller can read and write.
static long
may_link(struct vnode *vn)
{
    bool safe = vnode_is_reg(vn) && !(vn->mode & S_ISUID) &&
                (vn->mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) && permission(vn, 6) == 0;

    return safe || vnode_owner_or_root(vn) ? 0 : -EPERM;
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
    }
    return ret;
}

// The filesystem OLDPATH's name is on (its parent's), for linkat's EXDEV; a
// file named only by a descriptor (AT_EMPTY_PATH) counts by its kind.
static int
source_mount(int dirfd, const char __user *upath, struct vnode *vn)
{
    char last[NAME_MAX_LINUX + 1];
    struct vnode *dir;
    int mount;

    if (parent_user(dirfd, upath, &dir, last, NULL) < 0)
        return vn->fops || vn->generate || vn->dyn_link ? -1 : 0;
    mount = mount_of(dir);
    vnode_put(dir);
    return mount;
}

long
sys_linkat(int olddirfd, const char __user *oldpath, int newdirfd, const char __user *newpath, int flags)
{
    char last[NAME_MAX_LINUX + 1];
    struct vnode *vn, *dir;
    bool trailing;
    long ret;

    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((ret = lookup_user(olddirfd, oldpath, (flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW) |
                                                   (flags & AT_EMPTY_PATH), &vn)) < 0)
        return ret == -E_NO_VNODE ? -EXDEV : ret;
    if ((ret = parent_user(newdirfd, newpath, &dir, last, &trailing)) == 0) {
        ret = check_new_name(dir, last, trailing);
        if (ret == 0 && source_mount(olddirfd, oldpath, vn) != mount_of(dir))
            ret = -EXDEV;
        if (ret == 0)
            ret = may_link(vn);
        if (ret == 0)
            ret = permission(dir, 3);         // may_create
        if (ret == 0)
            ret = vnode_is_dir(vn) ? -EPERM : link_node(dir, last, vn);
        vnode_put(dir);
    }
    vnode_put(vn);
    return ret;
}

long sys_link(const char __user *o, const char __user *n) { return sys_linkat(AT_FDCWD, o, AT_FDCWD, n, 0); }

// Is A an ancestor of (or the same as) B?
static bool
is_ancestor(struct vnode *a, struct vnode *b)
{
    for (; b; b = b->parent)
        if (a == b)
            return true;
    return false;
}

// One side of a rename: the parent, the last name, whether "name/" was
// written, and the node found there (NULL when none).
struct rename_end {
    struct vnode *dir;
    char last[NAME_MAX_LINUX + 1];
    bool trailing;
    struct vnode *vn;
};

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

    if ((ret = may_delete(o->dir, o->vn)) < 0)
        return ret;
    if (!n->vn)
        ret = permission(n->dir, 3);
    else if ((ret = may_delete(n->dir, n->vn)) == 0 && !exchange &&
             vnode_is_dir(o->vn) != vnode_is_dir(n->vn))
        ret = vnode_is_dir(o->vn) ? -ENOTDIR : -EISDIR;
    if (ret < 0 || (ret = synthetic_remove(o->dir)) < 0)
        return ret;
    if (moves && vnode_is_dir(o->vn) && (ret = permission(o->vn, 2)) < 0)
        return ret;
    if (moves && exchange && vnode_is_dir(n->vn) && (ret = permission(n->vn, 2)) < 0)
        return ret;
    if (!exchange && n->vn && vnode_is_dir(n->vn) && !dir_is_empty(n->vn))
        return -ENOTEMPTY;
    return 0;
}

// Give VN the name LAST in DIR in place of OLAST in ODIR. A move keeps the
// node's link count (dir_link and dir_unlink count a new and a lost name).
static long
move_name(struct vnode *odir, const char *olast, struct vnode *dir, const char *last, struct vnode *vn)
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
        if ((ret = synthetic_create(n->dir, 0)) < 0)    // /proc: the new name's lookup fails
            goto out;
    }
    if ((ret = rename_lookup_checks(o, n, flags)) < 0 || o->vn == n->vn)
        goto out;                          // the same file: nothing to do
    if ((ret = rename_vfs_checks(o, n, flags)) < 0)
        goto out;
    if (flags & RENAME_EXCHANGE) {
        ret = exchange_names(o, n);
        goto out;
    }
    if (n->vn)
        dir_unlink(n->dir, n->last);
    ret = move_name(o->dir, o->last, n->dir, n->last, o->vn);
out:
    vnode_put(o->vn);
    if (n->vn)
        vnode_put(n->vn);
    return ret;
}

long
sys_renameat2(int olddirfd, const char __user *oldpath, int newdirfd, const char __user *newpath, unsigned int flags)
{
    struct rename_end o = { 0 }, n = { 0 };
    long ret;

    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL;   // LINUX-DIFF: no overlay filesystems, no whiteouts
    if ((ret = parent_user(olddirfd, oldpath, &o.dir, o.last, &o.trailing)) < 0)
        return ret;
    if ((ret = parent_user(newdirfd, newpath, &n.dir, n.last, &n.trailing)) == 0) {
        ret = mount_of(o.dir) != mount_of(n.dir) ? -EXDEV : do_rename(&o, &n, flags);
        vnode_put(n.dir);
    }
    vnode_put(o.dir);
    return ret;
}

long sys_renameat(int od, const char __user *o, int nd, const char __user *n) { return sys_renameat2(od, o, nd, n, 0); }
long sys_rename(const char __user *o, const char __user *n) { return sys_renameat2(AT_FDCWD, o, AT_FDCWD, n, 0); }

long
sys_truncate(const char __user *upath, int64_t length)
{
    struct vnode *vn;
    long ret;

    if (length < 0)
        return -EINVAL;
    if ((ret = lookup_user(AT_FDCWD, upath, 0, &vn)) < 0)
        return ret;
    if (vnode_is_dir(vn))
        ret = -EISDIR;
    else if (!vnode_is_reg(vn))
        ret = -EINVAL;
    else if ((ret = permission(vn, 2)) == 0)
        ret = vnode_truncate(vn, length);
    vnode_put(vn);
    return ret;
}

static long
chmod_vnode(struct vnode *vn, uint32_t mode)
{
    struct creds *c = &current_proc()->creds;

    if (c->fsuid != 0 && c->fsuid != vn->uid)
        return -EPERM;
    vn->mode = (vn->mode & S_IFMT) | (mode & 07777);
    // Linux drops set-group-ID when the caller is not in the file's group.
    if (c->fsuid != 0 && c->fsgid != vn->gid)
        vn->mode &= ~S_ISGID;
    vnode_changed(vn);
    return 0;
}

long
sys_fchmodat(int dirfd, const char __user *upath, uint32_t mode)
{
    struct vnode *vn;
    long ret = lookup_user(dirfd, upath, 0, &vn);

    if (ret < 0)
        return ret;
    ret = chmod_vnode(vn, mode);
    vnode_put(vn);
    return ret;
}

long sys_chmod(const char __user *p, uint32_t mode) { return sys_fchmodat(AT_FDCWD, p, mode); }

long
sys_fchmod(int fd, uint32_t mode)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    return f->vn ? chmod_vnode(f->vn, mode) : 0;
}

// Linux clears set-user-ID, and set-group-ID with group execute, on any
// chown of a non-directory, by root too and even when no id changes.
static long
chown_vnode(struct vnode *vn, uint32_t uid, uint32_t gid)
{
    struct creds *c = &current_proc()->creds;
    bool owner = c->fsuid == vn->uid;

    // chown_ok, chgrp_ok: root; or the owner keeping the owner and giving
    // the file its group or the caller's own.
    if (uid != (uint32_t)-1 && c->fsuid != 0 && !(owner && uid == vn->uid))
        return -EPERM;
    if (gid != (uint32_t)-1 && c->fsuid != 0 && !(owner && (gid == vn->gid || gid == c->fsgid)))
        return -EPERM;
    if (uid != (uint32_t)-1)
        vn->uid = uid;
    if (gid != (uint32_t)-1)
        vn->gid = gid;
    if (!vnode_is_dir(vn) && !vnode_is_link(vn)) {
        vn->mode &= ~S_ISUID;
        if (vn->mode & S_IXGRP)
            vn->mode &= ~S_ISGID;
    }
    vnode_changed(vn);
    return 0;
}

long
sys_fchownat(int dirfd, const char __user *upath, uint32_t uid, uint32_t gid, int flags)
{
    struct vnode *vn;
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if ((ret = lookup_user(dirfd, upath, flags, &vn)) < 0)
        return ret == -E_NO_VNODE ? 0 : ret;
    ret = chown_vnode(vn, uid, gid);
    vnode_put(vn);
    return ret;
}

long sys_chown(const char __user *p, uint32_t u, uint32_t g) { return sys_fchownat(AT_FDCWD, p, u, g, 0); }
long sys_lchown(const char __user *p, uint32_t u, uint32_t g) { return sys_fchownat(AT_FDCWD, p, u, g, AT_SYMLINK_NOFOLLOW); }

long
sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    return f->vn ? chown_vnode(f->vn, uid, gid) : 0;
}

static bool
time_valid(const struct __kernel_timespec *ts)
{
    return ts->tv_nsec == UTIME_OMIT || ts->tv_nsec == UTIME_NOW ||
           (ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000);
}

// Caller has checked time_valid.
static void
set_time(struct vtime *t, const struct __kernel_timespec *ts)
{
    uint64_t now = clock_realtime_ns();

    if (ts->tv_nsec == UTIME_NOW)
        *t = (struct vtime){ now / 1000000000, now % 1000000000 };
    else if (ts->tv_nsec != UTIME_OMIT)
        *t = (struct vtime){ ts->tv_sec, ts->tv_nsec };
}

// Setting a given time needs the owner (EPERM); setting "now" the owner or
// write permission (EACCES), as setattr_prepare says.
static long
utimes_permission(struct vnode *vn, const struct __kernel_timespec ts[2])
{
    bool given = false, now = false;

    for (int i = 0; i < 2; i++) {
        given |= ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT;
        now |= ts[i].tv_nsec == UTIME_NOW;
    }
    if (vnode_owner_or_root(vn) || (!given && !now))
        return 0;
    return given ? -EPERM : permission(vn, 2);
}

long
sys_utimensat(int dirfd, const char __user *upath, const struct __kernel_timespec __user *utimes, int flags)
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
    if (!upath) {                         // futimens: the fd itself
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        if (!f->vn)
            return 0;
        vn = vnode_get(f->vn);
    } else if ((ret = lookup_user(dirfd, upath, flags, &vn)) < 0) {
        return ret == -E_NO_VNODE ? 0 : ret;
    }
    if ((ret = utimes_permission(vn, ts)) == 0) {
        set_time(&vn->atime, &ts[0]);
        set_time(&vn->mtime, &ts[1]);
        vnode_changed(vn);
    }
    vnode_put(vn);
    return ret;
}

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
    struct vnode *vn;
    struct statfs sf;
    long ret = lookup_user(AT_FDCWD, upath, 0, &vn);

    if (ret < 0)
        return ret;
    vnode_put(vn);
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

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

// getdents64(2): the file offset is a listing position (dir_entry); EINVAL
// when even one entry does not fit.
long
sys_getdents64(int fd, void __user *dirp, unsigned int count)
{
    struct file *f = fd_get(fd);
    char name[NAME_MAX_LINUX + 1], rec[sizeof(struct linux_dirent64) + NAME_MAX_LINUX + 8];
    struct linux_dirent64 *d = (struct linux_dirent64 *)rec;
    unsigned int used = 0;

    if (!f)
        return -EBADF;
    if (!f->vn || !vnode_is_dir(f->vn))
        return -ENOTDIR;
    for (;;) {
        uint64_t ino, pos = f->pos;
        uint32_t type;
        if (dir_entry(f->vn, &pos, name, sizeof(name), &ino, &type) < 0)
            break;
        d->d_reclen = ALIGN_UP(sizeof(*d) + strlen(name) + 1, 8);
        if (used + d->d_reclen > count)
            return used ? (long)used : -EINVAL;
        d->d_ino = ino;
        d->d_off = pos;
        d->d_type = type;
        memset(d->d_name, 0, d->d_reclen - sizeof(*d));
        strlcpy(d->d_name, name, NAME_MAX_LINUX + 1);
        if (copy_to_user((char __user *)dirp + used, d, d->d_reclen) < 0)
            return -EFAULT;
        used += d->d_reclen;
        f->pos = pos;
    }
    vnode_touch(f->vn, false);
    return used;
}

long
sys_umask(int mask)
{
    struct proc *p = current_proc();
    int old = p->umask;

    p->umask = mask & 0777;
    return old;
}

long
sys_memfd_create(const char __user *uname, unsigned int flags)
{
    char name[250];
    struct vnode *vn;
    struct file *f;
    long ret;

    if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB))
        return -EINVAL;
    if ((ret = strncpy_from_user(name, uname, sizeof(name))) < 0)
        return ret == -ENAMETOOLONG ? -EINVAL : ret;
    if (!(vn = create_file(NULL, NULL, 0777)))
        return -ENOMEM;
    vn->mode = S_IFREG | 0777;             // the umask does not apply to a memfd
    ret = vfs_open_vnode(vn, O_RDWR, &f);
    vnode_put(vn);
    if (ret < 0)
        return ret;
    f->path = kmalloc(sizeof(name) + 16);
    if (f->path)
        strlcpy(f->path, "/memfd:", 8), strlcpy(f->path + 7, name, sizeof(name));
    if ((ret = fd_install(-1, f, flags & MFD_CLOEXEC)) < 0)
        file_put(f);
    return ret;
}
