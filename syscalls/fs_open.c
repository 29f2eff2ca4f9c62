// Opening files: open, openat, creat, openat2, memfd_create, and the umask
// new files are made with. The flags are checked and cut here, in Linux's
// order; the lookup, creation and checks are kernel/fs/open.c's.
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
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/openat2.h>
#include <linux/memfd.h>

#define OPEN_VALID                                                                                 \
    (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |         \
     FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |          \
     __O_SYNC | O_PATH | __O_TMPFILE)
#define O_TMPFILE_MASK (__O_TMPFILE | O_DIRECTORY | O_CREAT)
#define RESOLVE_VALID                                                                              \
    (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |             \
     RESOLVE_IN_ROOT | RESOLVE_CACHED)

// openat2's RESOLVE_* as path walk flags.
static unsigned
resolve_to_lookup(uint64_t resolve)
{
    return (resolve & RESOLVE_NO_SYMLINKS ? LOOKUP_NO_SYMLINKS : 0) |
           (resolve & RESOLVE_NO_MAGICLINKS ? LOOKUP_NO_MAGICLINKS : 0) |
           (resolve & RESOLVE_BENEATH ? LOOKUP_BENEATH : 0) |
           (resolve & RESOLVE_IN_ROOT ? LOOKUP_IN_ROOT : 0);
}

static long
do_open(int dirfd, const char __user *upath, int flags, uint32_t mode, unsigned lookup)
{
    struct file *f;
    char *path;
    long ret;

    if (flags & ~OPEN_VALID)
        flags &= OPEN_VALID;                   // Linux ignores unknown flags in open(2)
    if (flags & O_PATH)                        // before anything else, as build_open_how
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & __O_TMPFILE) &&
        ((flags & O_TMPFILE_MASK) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY))
        return -EINVAL;
    if ((ret = path_from_user(upath, &path)) < 0)
        return ret;
    if (flags & __O_TMPFILE)
        ret = vfs_open_tmpfile(dirfd, path, flags, mode, lookup, &f);
    else
        ret = vfs_open_path(dirfd, path, flags, mode, lookup, &f);
    kfree(path);
    if (ret == 0 && (ret = fd_install(-1, f, flags & O_CLOEXEC)) < 0)
        file_put(f);
    return ret;
}

long
sys_open(const char __user *path, int flags, uint32_t mode)
{
    return do_open(AT_FDCWD, path, flags, mode, 0);
}

long
sys_openat(int dirfd, const char __user *path, int flags, uint32_t mode)
{
    return do_open(dirfd, path, flags, mode, 0);
}

long
sys_creat(const char __user *path, uint32_t mode)
{
    return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0);
}

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
    if ((how->flags & O_PATH) &&
        (how->flags & ~(uint64_t)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)))
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
    if (!(vn = vfs_create_file(NULL, NULL, 0777)))
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

long
sys_umask(int mask)
{
    struct proc *p = current_proc();
    int old = p->umask;

    p->umask = mask & 0777;
    return old;
}
