// Descriptor table: a fixed array of FD_MAX open-file pointers per process,
// shared open files counted by reference (dup, fork later).
#include "fs/file.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "fs/vfs.h"
#include "fs/lock.h"
#include "fs/epoll.h"
#include "fs/inotify.h"
#include "sched/wait.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>

struct file *
fd_get_raw(int fd)
{
    struct fd_table *t = current_proc()->fds;

    if (fd < 0 || fd >= FD_MAX)
        return NULL;
    return t->files[fd];
}

// An O_PATH descriptor only names a file: I/O calls see EBADF, as with a closed one.
struct file *
fd_get(int fd)
{
    struct file *f = fd_get_raw(fd);

    return f && !(f->flags & O_PATH) ? f : NULL;
}

// Closing any descriptor of a node drops the process's POSIX locks on it (fcntl(2)).
static void
drop_descriptor(struct file *f)
{
    if (f->vn)
        lock_release(f->vn, current_proc());
    file_put(f);
}

int
fd_install(int fd, struct file *f, bool cloexec)
{
    struct fd_table *t = current_proc()->fds;

    if (fd < 0) {
        for (fd = 0; fd < FD_MAX && t->files[fd]; fd++)
            ;
        if (fd == FD_MAX)
            return -EMFILE;
    }
    if (t->files[fd])
        drop_descriptor(t->files[fd]);
    t->files[fd] = f;
    t->cloexec[fd] = cloexec;
    return fd;
}

long
fd_close(int fd)
{
    struct fd_table *t = current_proc()->fds;

    if (fd < 0 || fd >= FD_MAX || !t->files[fd])
        return -EBADF;
    drop_descriptor(t->files[fd]);
    t->files[fd] = NULL;
    return 0;
}

// Like Linux's DEFAULT_POLLMASK: a file with no poll method never blocks.
uint32_t
file_poll(struct file *f)
{
    return f->ops->poll ? f->ops->poll(f) : POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

#define IN_EVENTS  (POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI | POLLRDHUP)
#define OUT_EVENTS (POLLOUT | POLLWRNORM | POLLWRBAND)

__after_boot void
file_wake(struct file_edges *e, uint32_t events)
{
    wait_poke();
    if (events & POLLIN)
        e->in = wait_pokes();
    if (events & POLLOUT)
        e->out = wait_pokes();
}

// Asking for neither reading nor writing (only the hang-ups every item
// gets) counts every wake-up.
__after_boot uint64_t
file_edge(const struct file *f, uint32_t events)
{
    const struct file_edges *e = f->edges;

    if (!e)
        return wait_pokes();
    if (!(events & (IN_EVENTS | OUT_EVENTS)))
        return MAX(e->in, e->out);
    return MAX(events & IN_EVENTS ? e->in : 0, events & OUT_EVENTS ? e->out : 0);
}

struct file *
file_get(struct file *f)
{
    f->refs++;
    return f;
}

void
file_put(struct file *f)
{
    if (--f->refs > 0)
        return;
    if (f->epitems)
        epoll_forget_file(f);      // as Linux does when the last reference goes
    if (f->vn && !(f->flags & O_PATH))
        fsnotify(f->vn, file_can_write(f) ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
    if (f->ops->release)
        f->ops->release(f);
    if (f->vn) {
        lock_release(f->vn, f);    // its OFD and flock locks
        if (f->counts_writer)
            f->vn->writers--;
        vnode_put(f->vn);
    }
    kfree(f->path);
    kfree(f);
}

__after_boot struct fd_table *
fd_table_copy(struct fd_table *t)
{
    struct fd_table *n = kzalloc(sizeof(*n));

    if (!n)
        return NULL;
    n->refs = 1;
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (t->files[fd])
            n->files[fd] = file_get(t->files[fd]);
        n->cloexec[fd] = t->cloexec[fd];
    }
    return n;
}

// Closing every descriptor drops the process's POSIX locks, as close does.
__after_boot void
fd_table_put(struct fd_table *t)
{
    if (--t->refs > 0)
        return;
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (t->files[fd])
            drop_descriptor(t->files[fd]);
        t->files[fd] = NULL;
    }
    kfree(t);
}

__after_boot void
fd_close_on_exec(struct fd_table *t)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (t->files[fd] && t->cloexec[fd]) {
            drop_descriptor(t->files[fd]);
            t->files[fd] = NULL;
            t->cloexec[fd] = 0;
        }
    }
}
