// Where Linux would have mounts. One in-memory filesystem holds everything,
// but /dev, /proc and /sys count as filesystems of their own: a link or a
// rename across them is EXDEV, and /proc and /sys refuse new names and
// removals with the errnos their Linux filesystems give.
#include "fs/vfs.h"
#include "lib/string.h"
#include <asm-generic/errno.h>

// Which filesystem folder DIR is on: the name of its top folder under the root.
enum vfs_mount
mount_of(struct vnode *dir)
{
    static const char *const mounts[] = { "dev", "proc", "sys" };   // MOUNT_DEV..MOUNT_SYS

    if (!dir->parent && dir->dyn_lookup)
        return MOUNT_PROC;      // a folder procfs made at a lookup (/proc/PID and below)
    while (dir->parent && dir->parent != vfs_root && dir->parent != dir)
        dir = dir->parent;
    if (dir->parent != vfs_root || !dir->name)
        return MOUNT_ROOT;
    for (int i = 0; i < 3; i++)
        if (!strcmp(dir->name, mounts[i]))
            return MOUNT_DEV + i;
    return MOUNT_ROOT;
}

// A file known only by a descriptor (linkat's AT_EMPTY_PATH) counts by its
// kind: a node the kernel made (a device, a /proc file) is on no filesystem
// a name could be linked into.
enum vfs_mount
mount_of_unnamed(struct vnode *vn)
{
    return vn->fops || vn->generate || vn->dyn_link ? MOUNT_NONE : MOUNT_ROOT;
}

// Making a name in DIR: proc's lookup of a missing name fails (ENOENT)
// before creation is tried; sysfs has no create methods (SYSFS_ERR).
long
mount_check_create(struct vnode *dir, long sysfs_err)
{
    enum vfs_mount mount = mount_of(dir);

    return mount == MOUNT_PROC ? -ENOENT : mount == MOUNT_SYS ? sysfs_err : 0;
}

// Removing or renaming a name in DIR: /proc and /sys have no such methods, EPERM.
long
mount_check_remove(struct vnode *dir)
{
    enum vfs_mount mount = mount_of(dir);

    return mount == MOUNT_PROC || mount == MOUNT_SYS ? -EPERM : 0;
}
