// Extended attributes. The in-memory filesystem keeps none: a lookup finds
// no attribute (ENODATA, what Linux gives for a file without that label),
// a listing is empty, and setting one is not supported (EOPNOTSUPP, as on a
// filesystem without xattr support). The path or fd is still checked first,
// so a missing file is ENOENT and a bad fd EBADF, as on Linux.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/fs_lookup.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

#define XATTR_NAME_MAX 255

static long
check_path(const char __user *upath, bool follow)
{
    struct path_target t;
    long ret = lookup_user(AT_FDCWD, upath, follow ? 0 : AT_SYMLINK_NOFOLLOW, &t);

    if (ret < 0)
        return ret;
    vnode_put(t.vn);
    return 0;
}

static long
check_name(const char __user *uname)
{
    char name[XATTR_NAME_MAX + 1];
    long ret = strncpy_from_user(name, uname, sizeof(name));

    if (ret == -ENAMETOOLONG)
        return -ERANGE;
    if (ret == 0)
        return -ERANGE;
    return ret < 0 ? ret : 0;
}

static long
get(long target, const char __user *name)
{
    long ret = target < 0 ? target : check_name(name);
    return ret < 0 ? ret : -ENODATA;
}

static long
fd_check(int fd)
{
    return fd_get(fd) ? 0 : -EBADF;
}

long
sys_getxattr(const char __user *path, const char __user *name, void __user *value, size_t size)
{
    return get(check_path(path, true), name);
}

long
sys_lgetxattr(const char __user *path, const char __user *name, void __user *value, size_t size)
{
    return get(check_path(path, false), name);
}

long
sys_fgetxattr(int fd, const char __user *name, void __user *value, size_t size)
{
    return get(fd_check(fd), name);
}

long
sys_listxattr(const char __user *path, char __user *list, size_t size)
{
    return check_path(path, true);
}

long
sys_llistxattr(const char __user *path, char __user *list, size_t size)
{
    return check_path(path, false);
}

long
sys_flistxattr(int fd, char __user *list, size_t size)
{
    return fd_check(fd);
}

static long
set(long target)
{
    return target < 0 ? target : -EOPNOTSUPP;
}

long
sys_setxattr(const char __user *path, const char __user *name, const void __user *value,
             size_t size, int flags)
{
    return set(check_path(path, true));
}

long
sys_lsetxattr(const char __user *path, const char __user *name, const void __user *value,
              size_t size, int flags)
{
    return set(check_path(path, false));
}

long
sys_fsetxattr(int fd, const char __user *name, const void __user *value, size_t size, int flags)
{
    return set(fd_check(fd));
}

long
sys_removexattr(const char __user *path, const char __user *name)
{
    return get(check_path(path, true), name);
}

long
sys_lremovexattr(const char __user *path, const char __user *name)
{
    return get(check_path(path, false), name);
}

long
sys_fremovexattr(int fd, const char __user *name)
{
    return get(fd_check(fd), name);
}
