// Path arguments of the file syscalls: copied from the program into a kernel
// buffer, then resolved (kernel/fs/path.c) with the *at calls' AT_* flags.
#include "syscalls/fs_lookup.h"
#include "fs/file.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

// A path from the program in a kernel buffer; free with kfree.
long
path_from_user(const char __user *upath, char **out)
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

// AT_EMPTY_PATH with "": DIRFD's own file (the cwd for AT_FDCWD).
static long
lookup_empty(int dirfd, struct path_target *out)
{
    struct file *f;

    if (dirfd == AT_FDCWD) {
        out->vn = vfs_cwd();
        return 0;
    }
    if (!(f = fd_get_raw(dirfd)))
        return -EBADF;
    if (f->vn)
        out->vn = vnode_get(f->vn);
    else
        out->nodeless = f;
    return 0;
}

long
lookup_user(int dirfd, const char __user *upath, int atflags, struct path_target *out)
{
    char *path;
    long ret;

    *out = (struct path_target){ 0 };
    if ((ret = path_from_user(upath, &path)) < 0)
        return ret;
    if (!path[0] && (atflags & AT_EMPTY_PATH))
        ret = lookup_empty(dirfd, out);
    else
        ret = path_lookup_at(dirfd, path, atflags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW,
                             &out->vn);
    kfree(path);
    return ret;
}

long
parent_user(int dirfd, const char __user *upath, struct path_parent *out)
{
    char *path;
    long ret;

    if ((ret = path_from_user(upath, &path)) < 0)
        return ret;
    ret = path_parent_at(dirfd, path, 0, out);
    kfree(path);
    return ret;
}
