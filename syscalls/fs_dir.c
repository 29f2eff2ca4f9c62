// Folders as a program walks them: listing one (getdents64, getdents) and the current
// folder (getcwd, chdir, fchdir).
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/fs_lookup.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "fs/inotify.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

// The old getdents(2) record: d_type is the record's last byte, after the
// name's NUL, and the record is long-aligned.
struct linux_dirent_old {
    uint64_t d_ino;
    uint64_t d_off;
    uint16_t d_reclen;
    char d_name[];
};

// Lay one entry out in REC as getdents64 (OLD false) or getdents does; its length.
static unsigned int
make_record(char *rec, bool old, const char *name, uint64_t ino, uint64_t off, uint32_t type)
{
    size_t len = strlen(name);

    if (old) {
        struct linux_dirent_old *d = (struct linux_dirent_old *)rec;
        d->d_reclen = ALIGN_UP(offsetof(struct linux_dirent_old, d_name) + len + 2, 8);
        d->d_ino = ino, d->d_off = off;
        memset(d->d_name, 0, d->d_reclen - offsetof(struct linux_dirent_old, d_name));
        memcpy(d->d_name, name, len);
        rec[d->d_reclen - 1] = (char)type;
        return d->d_reclen;
    }
    struct linux_dirent64 *d = (struct linux_dirent64 *)rec;
    d->d_reclen = ALIGN_UP(sizeof(*d) + len + 1, 8);
    d->d_ino = ino, d->d_off = off, d->d_type = type;
    memset(d->d_name, 0, d->d_reclen - sizeof(*d));
    memcpy(d->d_name, name, len);
    return d->d_reclen;
}

// getdents64(2) and getdents(2): the file offset is a listing position
// (dir_entry); EINVAL when even one entry does not fit.
static long
list_dir(int fd, void __user *dirp, unsigned int count, bool old)
{
    struct file *f = fd_get(fd);
    char name[NAME_MAX_LINUX + 1], rec[sizeof(struct linux_dirent_old) + NAME_MAX_LINUX + 16];
    unsigned int used = 0;

    if (!f)
        return -EBADF;
    if (!f->vn || !vnode_is_dir(f->vn))
        return -ENOTDIR;
    for (;;) {
        uint64_t ino, pos = f->pos;
        uint32_t type;
        unsigned int reclen;
        if (dir_entry(f->vn, &pos, name, sizeof(name), &ino, &type) < 0)
            break;
        reclen = make_record(rec, old, name, ino, pos, type);
        if (used + reclen > count)
            return used ? (long)used : -EINVAL;
        if (copy_to_user((char __user *)dirp + used, rec, reclen) < 0)
            return -EFAULT;
        used += reclen;
        f->pos = pos;
    }
    vnode_touch(f->vn, false);
    fsnotify(f->vn, IN_ACCESS);     // Linux's iterate_dir, even at the end
    return used;
}

long
sys_getdents64(int fd, void __user *dirp, unsigned int count)
{
    return list_dir(fd, dirp, count, false);
}

long
sys_getdents(int fd, void __user *dirp, unsigned int count)
{
    return list_dir(fd, dirp, count, true);
}

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

long
sys_chdir(const char __user *upath)
{
    struct path_target t;
    long ret = lookup_user(AT_FDCWD, upath, 0, &t);

    return ret < 0 ? ret : vfs_chdir(t.vn);
}

long
sys_fchdir(int fd)
{
    struct file *f = fd_get_raw(fd);

    if (!f)
        return -EBADF;
    if (!f->vn)
        return -ENOTDIR;
    return vfs_chdir(vnode_get(f->vn));
}
