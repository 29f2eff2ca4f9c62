// eventfd (eventfd.h). A read takes the count (or 1 in semaphore mode) and
// waits while it is 0; a write adds and waits while the sum would reach
// UINT64_MAX, which no count may hold; both move exactly 8 bytes. Without
// O_NONBLOCK a signal ends the wait (-ERESTARTSYS), as on Linux.
#include "fs/eventfd.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/heap.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>

#define COUNT_MAX (UINT64_MAX - 1)

struct eventfd {
    uint64_t count;
    bool semaphore;
    struct file_edges edges;
};

struct eventfd_add {        // a write waiting for room
    struct eventfd *e;
    uint64_t v;
};

__after_boot static bool
has_count(void *arg)
{
    return ((struct eventfd *)arg)->count > 0;
}

__after_boot static bool
has_room(void *arg)
{
    struct eventfd_add *a = arg;

    return COUNT_MAX - a->e->count >= a->v;
}

// Wait until READY(ARG), unless the file is non-blocking: 0, -EAGAIN or -ERESTARTSYS.
__after_boot static long
eventfd_wait(struct file *f, bool (*ready)(void *), void *arg)
{
    if (ready(arg))
        return 0;
    if (f->flags & O_NONBLOCK)
        return -EAGAIN;
    return wait_event(WAIT_FOREVER, ready, arg, true) < 0 ? -ERESTARTSYS : 0;
}

__after_boot static ssize_t
eventfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    struct eventfd *e = f->priv;
    uint64_t v;
    long ret;

    if (n < sizeof(v))
        return -EINVAL;
    if ((ret = eventfd_wait(f, has_count, e)) < 0)
        return ret;
    v = e->semaphore ? 1 : e->count;
    e->count -= v;
    file_wake(&e->edges, POLLOUT);      // room for writers
    memcpy(buf, &v, sizeof(v));
    return sizeof(v);
}

__after_boot static ssize_t
eventfd_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    struct eventfd_add a = { f->priv, 0 };
    long ret;

    if (n != sizeof(a.v))
        return -EINVAL;     // exactly 8 since Linux 6.9 (a read may ask for more)
    memcpy(&a.v, buf, sizeof(a.v));
    if (a.v == UINT64_MAX)
        return -EINVAL;
    if ((ret = eventfd_wait(f, has_room, &a)) < 0)
        return ret;
    a.e->count += a.v;
    file_wake(&a.e->edges, POLLIN);     // even for 0, as Linux wakes readers
    return sizeof(a.v);
}

// Readable while the count is above 0, writable while 1 more fits; POLLERR
// only for a count of UINT64_MAX, which only an overflow could make. No
// POLLRDNORM or POLLWRNORM: Linux's eventfd reports neither.
__after_boot static uint32_t
eventfd_poll(struct file *f)
{
    struct eventfd *e = f->priv;
    uint32_t events = 0;

    if (e->count > 0)
        events |= POLLIN;
    if (e->count < COUNT_MAX)
        events |= POLLOUT;
    if (e->count == UINT64_MAX)
        events |= POLLERR;
    return events;
}

__after_boot static void
eventfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
    .read = eventfd_read,
    .write = eventfd_write,
    .stat = anon_stat,
    .poll = eventfd_poll,
    .release = eventfd_release,
};

__after_boot long
eventfd_new(uint64_t initval, uint32_t flags, struct file **out)
{
    struct eventfd *e = kzalloc(sizeof(*e));

    if (!e || !(*out = anon_file_new(&eventfd_ops, "eventfd", O_RDWR | (flags & O_NONBLOCK), e))) {
        kfree(e);
        return -ENOMEM;
    }
    e->count = initval;
    e->semaphore = flags & EFD_SEMAPHORE;
    (*out)->edges = &e->edges;
    return 0;
}
