// signalfd (signalfd.h). A read takes the lowest pending signal in the mask
// off the reading thread's queue, then its process's (signal_dequeue), as
// many as fit whole; it waits for the first unless O_NONBLOCK (a signal
// outside the mask ends the wait: -ERESTARTSYS). Readable while one is
// pending for the thread that looks. Sending a signal calls wait_poke()
// (sched/signal.c), which is this file's wake-up: it keeps no edge stamp.
#include "fs/signalfd.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm-generic/siginfo.h>
#include <asm/signal.h>
#include <linux/fcntl.h>
#include <linux/signalfd.h>

struct signalfd {
    uint64_t mask;
};

static const struct file_ops signalfd_ops;

__after_boot bool
file_is_signalfd(const struct file *f)
{
    return f->ops == &signalfd_ops;
}

__after_boot void
signalfd_set_mask(struct file *f, uint64_t mask)
{
    ((struct signalfd *)f->priv)->mask = mask;
    wait_poke();            // a reader's wait may be over, as Linux wakes them
}

__after_boot static bool
is_fault(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

// The fields Linux fills for the siginfo layout SIG and INFO's code select.
__after_boot static void
fill(struct signalfd_siginfo *s, int sig, const struct sig_info *i)
{
    memset(s, 0, sizeof(*s));
    s->ssi_signo = sig;
    s->ssi_code = i->code;
    if (i->code > SI_USER && i->code < SI_KERNEL && is_fault(sig)) {
        s->ssi_addr = i->addr;
        return;
    }
    if (i->code == SI_TIMER) {
        s->ssi_tid = i->timerid;
        s->ssi_overrun = i->overrun;
        s->ssi_ptr = i->value;
        s->ssi_int = (int)i->value;
        return;
    }
    s->ssi_pid = i->pid;
    s->ssi_uid = i->uid;
    if (i->code > SI_USER && i->code < SI_KERNEL && sig == SIGCHLD)
        s->ssi_status = i->status;
    else if (i->code < 0) {             // sigqueue, tkill and the rest of Linux's SIL_RT
        s->ssi_ptr = i->value;
        s->ssi_int = (int)i->value;
    }
}

__after_boot static bool
has_signal(void *arg)
{
    return (signal_pending_set(current_thread()) & ((struct signalfd *)arg)->mask) != 0;
}

// Take one signal in the mask into S: 1, 0 when none (and NONBLOCK),
// -EAGAIN or -ERESTARTSYS.
__after_boot static long
take_one(struct file *f, struct signalfd_siginfo *s, bool nonblock)
{
    struct signalfd *sfd = f->priv;
    struct sig_info info;
    int sig;

    while (!(sig = signal_dequeue(current_thread(), sfd->mask, &info))) {
        if (nonblock)
            return 0;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (wait_event(WAIT_FOREVER, has_signal, sfd, true) < 0)
            return -ERESTARTSYS;
    }
    fill(s, sig, &info);
    return 1;
}

// LINUX-DIFF: at most a page's worth (32) per read, the chunk syscalls/fs.c
// reads in; Linux fills the whole buffer.
__after_boot static ssize_t
signalfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    struct signalfd_siginfo *s = buf;
    size_t count = n / sizeof(*s), done = 0;
    long ret;

    if (!count)
        return -EINVAL;
    while (done < count) {
        if ((ret = take_one(f, &s[done], done > 0)) <= 0)
            break;
        done++;
    }
    return done ? (ssize_t)(done * sizeof(*s)) : ret;
}

// write: Linux's signalfd has none.
__after_boot static ssize_t
signalfd_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return -EINVAL;
}

__after_boot static uint32_t
signalfd_poll(struct file *f)
{
    return has_signal(f->priv) ? POLLIN : 0;
}

__after_boot static void
signalfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops signalfd_ops = {
    .read = signalfd_read,
    .write = signalfd_write,
    .stat = anon_stat,
    .poll = signalfd_poll,
    .release = signalfd_release,
};

__after_boot long
signalfd_new(uint64_t mask, uint32_t flags, struct file **out)
{
    struct signalfd *sfd = kzalloc(sizeof(*sfd));

    if (!sfd ||
        !(*out = anon_file_new(&signalfd_ops, "signalfd", O_RDWR | (flags & O_NONBLOCK), sfd))) {
        kfree(sfd);
        return -ENOMEM;
    }
    sfd->mask = mask;
    return 0;
}
