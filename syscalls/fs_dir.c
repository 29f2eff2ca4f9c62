// Folders as a program walks them: listing one (getdents64) and the current
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
    fsnotify(f->vn, IN_ACCESS);     // Linux's iterate_dir, even at the end
    return used;
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
