// eventfd(2) and eventfd2: flag checks; the counter is kernel/fs/eventfd.c's.
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/eventfd.h"
#include "fs/file.h"
#include "fs/anon.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

#define EFD_FLAGS (EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)

long
sys_eventfd2(unsigned int initval, int flags)
{
    struct file *f;
    long ret;

    if (flags & ~EFD_FLAGS)
        return -EINVAL;
    if ((ret = eventfd_new(initval, flags, &f)) < 0)
        return ret;
    return anon_file_install(f, flags & O_CLOEXEC);
}

long
sys_eventfd(unsigned int initval)
{
    return sys_eventfd2(initval, 0);
}
