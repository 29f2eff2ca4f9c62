// inotify(7), on purpose not here: every call fails ENOSYS, as on a Linux
// built without CONFIG_INOTIFY_USER. Its events would need a hook in every
// VFS change, and the only one changing this VM's files is the program
// itself; programs that use it (tail -f, file watchers) fall back to
// polling when it is missing, the case they already handle.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include <asm-generic/errno.h>

long
sys_inotify_init1(int flags)
{
    return -ENOSYS;
}

long
sys_inotify_init(void)
{
    return -ENOSYS;
}

long
sys_inotify_add_watch(int fd, const char __user *pathname, uint32_t mask)
{
    return -ENOSYS;
}

long
sys_inotify_rm_watch(int fd, int wd)
{
    return -ENOSYS;
}
