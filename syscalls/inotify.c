// inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2): argument
// checks in Linux's order; instances, watches and events are
// kernel/fs/inotify.c's, fed by the VFS's change points (fsnotify).
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/inotify.h"
#include "fs/anon.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "syscalls/fs_lookup.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>

// Every bit inotify_add_watch knows (Linux's ALL_INOTIFY_BITS): a mask
// with none of them is EINVAL; unknown bits beside them are ignored.
#define ALL_INOTIFY_BITS                                                                           \
    (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW |       \
     IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE | IN_ISDIR | IN_ONESHOT)

long
sys_inotify_init1(int flags)
{
    struct file *f;
    long ret;

    if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
        return -EINVAL;
    if ((ret = inotify_new(flags & IN_NONBLOCK, &f)) < 0)
        return ret;
    return anon_file_install(f, flags & IN_CLOEXEC);
}

long
sys_inotify_init(void)
{
    return sys_inotify_init1(0);
}

// FD as an inotify instance: -EBADF when not open, -EINVAL when another file.
static long
get_inotify(int fd, struct file **out)
{
    if (!(*out = fd_get(fd)))
        return -EBADF;
    return file_is_inotify(*out) ? 0 : -EINVAL;
}

// The path is walked with the caller's rights and must be readable.
long
sys_inotify_add_watch(int fd, const char __user *pathname, uint32_t mask)
{
    unsigned lookup =
        (mask & IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) | (mask & IN_ONLYDIR ? LOOKUP_DIRECTORY : 0);
    struct vnode *vn;
    struct file *f;
    char *path;
    long ret;

    if (!(mask & ALL_INOTIFY_BITS))
        return -EINVAL;
    if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
        return -EINVAL;
    if ((ret = get_inotify(fd, &f)) < 0)
        return ret;
    if ((ret = path_from_user(pathname, &path)) < 0)
        return ret;
    if ((ret = path_lookup_at(AT_FDCWD, path, lookup, &vn)) == 0) {
        if ((ret = vnode_permission(vn, MAY_READ)) == 0)
            ret = inotify_add(f, vn, mask);
        vnode_put(vn);
    }
    kfree(path);
    return ret;
}

long
sys_inotify_rm_watch(int fd, int wd)
{
    struct file *f;
    long ret;

    if ((ret = get_inotify(fd, &f)) < 0)
        return ret;
    return inotify_rm(f, wd);
}
