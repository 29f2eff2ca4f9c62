// pidfds. The file keeps the pid number alone: pids are never reused here
// (sched/proc.c counts up), so the number names the same process for the
// file's whole life, and a process already reaped is simply not found.
// poll: POLLIN once the process is a zombie, POLLIN|POLLHUP once reaped, as
// Linux's pidfd_poll; process exit pokes waiters (sched/process.c).
#include "fs/pidfd.h"
#include "fs/anon.h"
#include "fs/file.h"
#include "sched/proc.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>

static uint32_t
pidfd_poll(struct file *f)
{
    struct proc *p = proc_find((int)(intptr_t)f->priv);

    if (!p)
        return POLLIN | POLLRDNORM | POLLHUP;
    return p->zombie ? POLLIN | POLLRDNORM : 0;
}

// As Linux's: a pidfd has no bytes to read or write.
static ssize_t
pidfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    return -EINVAL;
}

static ssize_t
pidfd_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return -EINVAL;
}

static const struct file_ops pidfd_ops = {
    .read = pidfd_read,
    .write = pidfd_write,
    .stat = anon_stat,
    .poll = pidfd_poll,
};

struct file *
pidfd_file_new(int pid, uint32_t flags)
{
    return anon_file_new(&pidfd_ops, "pidfd", O_RDWR | flags, (void *)(intptr_t)pid);
}

int
pidfd_pid(struct file *f)
{
    return f->ops == &pidfd_ops ? (int)(intptr_t)f->priv : -EBADF;
}
