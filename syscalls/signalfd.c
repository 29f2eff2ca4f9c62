// signalfd(2) and signalfd4: checks in Linux's order; the reading is
// kernel/fs/signalfd.c's.
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/signalfd.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/uaccess.h"
#include "sched/signal.h"
#include <asm-generic/errno.h>
#include <asm/signal.h>
#include <linux/signalfd.h>

#define SIGSET_SIZE 8
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

// UFD -1 makes a new signalfd; an existing one gets the new mask.
long
sys_signalfd4(int ufd, const uint64_t __user *umask, size_t sizemask, int flags)
{
    struct file *f;
    uint64_t mask;
    long ret;

    if (sizemask != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&mask, umask, sizeof(mask)) < 0)
        return -EFAULT;
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
        return -EINVAL;
    mask &= ~UNBLOCKABLE;
    if (ufd != -1) {
        if (!(f = fd_get(ufd)))
            return -EBADF;
        if (!file_is_signalfd(f))
            return -EINVAL;
        signalfd_set_mask(f, mask);
        return ufd;
    }
    if ((ret = signalfd_new(mask, flags, &f)) < 0)
        return ret;
    return anon_file_install(f, flags & SFD_CLOEXEC);
}

long
sys_signalfd(int ufd, const uint64_t __user *umask, size_t sizemask)
{
    return sys_signalfd4(ufd, umask, sizemask, 0);
}
