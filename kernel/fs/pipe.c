// Pipes: 16 page-sized slots shared by a read end and a write end. A read
// of an empty pipe waits for a writer's bytes or its last close; a write to
// a full pipe waits for room (a write of up to PIPE_BUF bytes all at once);
// opening a FIFO waits for the other end; all unless O_NONBLOCK, and a
// signal ends the wait (-ERESTARTSYS: EINTR, or a restart with SA_RESTART).
#include "sched/proc.h"
#include "fs/pipe.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "sched/signal.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include "log.h"
#include "mm/uaccess.h"
#include <asm/ioctls.h>
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm/stat.h>
#include <asm/signal.h>
#include <linux/stat.h>
#include <linux/fcntl.h>

#define PIPE_SLOTS 16            // Linux's default: 16 pages, 64 KiB
#define PIPE_PAGE  4096
#define PIPE_SIZE  (PIPE_SLOTS * PIPE_PAGE)

// Like Linux, a pipe is a ring of page-sized slots: a write fills the last
// slot only when the write's tail (its length modulo a page) fits there,
// otherwise it takes fresh slots, so how much room a full pipe has after a
// partial read is what Linux says (none until a whole slot is read).
struct slot {
    uint32_t off, len;           // bytes [off, off+len) of this slot's page
};

struct pipe {
    char *buf;                   // slot i's page is buf + i * PIPE_PAGE
    struct slot slots[PIPE_SLOTS];
    int first, used;             // slots in use: first, first+1, ... modulo PIPE_SLOTS
    size_t len;                  // bytes buffered
    int readers, writers;
    struct file_edges edges;     // its last wake-ups of readers and of writers, for epoll
    uint64_t ino;
    struct vnode *fifo;          // the named FIFO whose priv this is, else NULL
};

static uint64_t next_pipe_ino = 100000;

static char *
slot_data(struct pipe *p, int i)
{
    return p->buf + (size_t)i * PIPE_PAGE + p->slots[i].off;
}

__after_boot static bool
readable(void *arg)
{
    struct pipe *p = arg;

    return p->len || !p->writers;
}

__after_boot static bool
writable(void *arg)
{
    struct pipe *p = arg;

    return p->used < PIPE_SLOTS || !p->readers;
}

// Wait until READY(P) unless NONBLOCK: 0, -EAGAIN or -ERESTARTSYS.
static long
pipe_wait(struct pipe *p, bool nonblock, bool (*ready)(void *))
{
    if (ready(p))
        return 0;
    if (nonblock)
        return -EAGAIN;
    return wait_event(WAIT_FOREVER, ready, p, true) < 0 ? -ERESTARTSYS : 0;
}

// Copy up to N bytes from the front of P to DST, leaving them buffered.
size_t
pipe_peek(struct pipe *p, void *dst, size_t n)
{
    size_t done = 0;

    for (int k = 0; k < p->used && done < n; k++) {
        int i = (p->first + k) % PIPE_SLOTS;
        size_t chunk = MIN(n - done, p->slots[i].len);
        memcpy((char *)dst + done, slot_data(p, i), chunk);
        done += chunk;
    }
    return done;
}

// Drop the first N buffered bytes of P (at most its length), as a read does.
void
pipe_consume(struct pipe *p, size_t n)
{
    bool was_full = p->used == PIPE_SLOTS;

    while (n && p->used) {
        struct slot *s = &p->slots[p->first];
        size_t chunk = MIN(n, s->len);
        s->off += chunk, s->len -= chunk;
        p->len -= chunk;
        n -= chunk;
        if (s->len == 0) {
            p->first = (p->first + 1) % PIPE_SLOTS;
            p->used--;
        }
    }
    // Room for a writer; an edge for the write end only when it was full, as on Linux.
    if (was_full)
        file_wake(&p->edges, POLLOUT);
    else
        wait_poke();
}

static ssize_t
pipe_read(struct file *f, void *dst, size_t n, uint64_t *pos)
{
    struct pipe *p = f->priv;
    size_t done;
    long ret;

    if ((ret = pipe_wait(p, f->flags & O_NONBLOCK, readable)) < 0)
        return ret;
    if (p->len == 0)
        return 0;       // no writer left
    done = pipe_peek(p, dst, n);
    pipe_consume(p, done);
    return done;
}

// Append up to N bytes from SRC to the last slot if the write's tail fits it.
static size_t
merge_tail(struct pipe *p, const char *src, size_t n)
{
    size_t tail = n % PIPE_PAGE;
    int last = (p->first + p->used - 1) % PIPE_SLOTS;
    struct slot *s = &p->slots[last];

    if (!p->used || !tail || s->off + s->len + tail > PIPE_PAGE)
        return 0;
    memcpy(slot_data(p, last) + s->len, src, tail);
    s->len += tail;
    p->len += tail;
    return tail;
}

// Put what fits of SRC into P; the bytes taken.
static size_t
pipe_fill(struct pipe *p, const char *src, size_t n)
{
    size_t done = merge_tail(p, src, n);

    while (done < n && p->used < PIPE_SLOTS) {
        int i = (p->first + p->used) % PIPE_SLOTS;
        size_t chunk = MIN(n - done, PIPE_PAGE);
        p->slots[i] = (struct slot){ 0, chunk };
        memcpy(slot_data(p, i), src + done, chunk);
        p->used++;
        p->len += chunk;
        done += chunk;
    }
    return done;
}

// A write of at most a page (PIPE_BUF, and the chunk syscalls/fs.c writes
// in) goes in whole: a free slot always holds it.
static ssize_t
pipe_write(struct file *f, const void *src, size_t n, uint64_t *pos)
{
    struct pipe *p = f->priv;
    size_t done = 0;
    long ret;

    while (done < n) {
        if ((ret = pipe_wait(p, f->flags & O_NONBLOCK, writable)) < 0)
            return done ? (ssize_t)done : ret;
        if (p->readers == 0) {
            if (!current_thread()->rw_nosignal)
                signal_send(SIGPIPE);
            return done ? (ssize_t)done : -EPIPE;
        }
        done += pipe_fill(p, (const char *)src + done, n - done);
        file_wake(&p->edges,
                  POLLIN);   // bytes for a reader: a wake-up at every write, as Linux gives epoll
    }
    return done;
}

// FIONREAD: the bytes buffered, on either end, as on Linux.
static long
pipe_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    int n = ((struct pipe *)f->priv)->len;

    if (cmd != FIONREAD)
        return -ENOTTY;
    return copy_to_user((void __user *)arg, &n, sizeof(n));
}

static long
pipe_stat(struct file *f, struct stat *st)
{
    struct pipe *p = f->priv;

    memset(st, 0, sizeof(*st));
    st->st_dev = 0xd;
    st->st_ino = p->ino;
    st->st_mode = S_IFIFO | 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

static uint32_t
pipe_poll(struct file *f)
{
    struct pipe *p = f->priv;

    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return (p->len ? POLLIN | POLLRDNORM : 0) | (p->writers ? 0 : POLLHUP);
    return (p->used < PIPE_SLOTS ? POLLOUT | POLLWRNORM : 0) | (p->readers ? 0 : POLLERR);
}

static void
pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    int acc = f->flags & O_ACCMODE;

    if (acc != O_WRONLY)
        p->readers--;
    if (acc != O_RDONLY)
        p->writers--;
    file_wake(&p->edges, POLLIN | POLLOUT);     // end of file for readers, EPIPE for writers
    if (p->readers == 0 && p->writers == 0) {
        if (p->fifo)
            p->fifo->priv = NULL;
        kfree(p->buf);
        kfree(p);
    }
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .poll = pipe_poll,
    .release = pipe_release,
};

// splice(2), tee(2) and vmsplice(2) (syscalls/splice.c) work on the pipe
// behind a file.
struct pipe *
pipe_of(struct file *f)
{
    return f->ops == &pipe_ops ? f->priv : NULL;
}

// Wait for bytes in P: how many are buffered, 0 when it is empty with no
// writer left, -EAGAIN when NONBLOCK, -ERESTARTSYS on a signal.
long
pipe_wait_data(struct pipe *p, bool nonblock)
{
    long ret = pipe_wait(p, nonblock, readable);

    return ret < 0 ? ret : (long)p->len;
}

// Wait for room in P: the bytes that fit now, -EAGAIN when NONBLOCK,
// -ERESTARTSYS on a signal, -EPIPE (and SIGPIPE) when no reader is left.
long
pipe_wait_room(struct pipe *p, bool nonblock)
{
    long ret = pipe_wait(p, nonblock, writable);

    if (ret < 0)
        return ret;
    if (p->readers == 0) {
        signal_send(SIGPIPE);
        return -EPIPE;
    }
    return (long)(PIPE_SLOTS - p->used) * PIPE_PAGE;
}

// Append N bytes (no more than pipe_wait_room said fit) and wake P's readers.
void
pipe_put(struct pipe *p, const void *src, size_t n)
{
    pipe_fill(p, src, n);
    file_wake(&p->edges, POLLIN);
}

__after_boot static bool
has_reader(void *arg)
{
    return ((struct pipe *)arg)->readers > 0;
}

__after_boot static bool
has_writer(void *arg)
{
    return ((struct pipe *)arg)->writers > 0;
}

// Open named FIFO VN into F: every open of the node shares one pipe (fifo(7)).
// Without O_NONBLOCK, a reader waits for a writer and a writer for a reader;
// with it, a reader opens at once and a writer with no reader fails ENXIO.
// O_RDWR opens at once.
long
pipe_open_fifo(struct vnode *vn, struct file *f)
{
    struct pipe *p = vn->priv;
    int acc = f->flags & O_ACCMODE;
    bool (*other_end)(void *) = acc == O_RDONLY ? has_writer : acc == O_WRONLY ? has_reader : NULL;

    if (acc == O_WRONLY && (f->flags & O_NONBLOCK) && (!p || p->readers == 0))
        return -ENXIO;
    if (!p) {
        if (!(p = kzalloc(sizeof(*p))) || !(p->buf = kmalloc(PIPE_SIZE))) {
            kfree(p);
            return -ENOMEM;
        }
        p->ino = vn->ino;
        p->fifo = vn;
        vn->priv = p;
    }
    if (acc != O_WRONLY)
        p->readers++;
    if (acc != O_RDONLY)
        p->writers++;
    f->ops = &pipe_ops;
    f->priv = p;
    f->edges = &p->edges;
    file_wake(&p->edges, POLLIN | POLLOUT);
    if (other_end && !(f->flags & O_NONBLOCK) && wait_event(WAIT_FOREVER, other_end, p, true) < 0) {
        pipe_release(f);
        return -ERESTARTSYS;
    }
    return 0;
}

long
pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
    struct pipe *p = kzalloc(sizeof(*p));
    struct file *r = kzalloc(sizeof(*r)), *w = kzalloc(sizeof(*w));

    if (!p || !r || !w || !(p->buf = kmalloc(PIPE_SIZE))) {
        if (p)
            kfree(p->buf);
        kfree(p), kfree(r), kfree(w);
        return -ENFILE;
    }
    p->readers = p->writers = 1;
    p->ino = next_pipe_ino++;
    *r = (struct file){ .ops = &pipe_ops,
                        .refs = 1,
                        .flags = O_RDONLY | (flags & O_NONBLOCK),
                        .priv = p,
                        .edges = &p->edges };
    *w = (struct file){ .ops = &pipe_ops,
                        .refs = 1,
                        .flags = O_WRONLY | (flags & O_NONBLOCK),
                        .priv = p,
                        .edges = &p->edges };
    *rd = r, *wr = w;
    return 0;
}

bool
pipe_describe(struct file *f, char *buf, size_t len)
{
    if (f->ops != &pipe_ops || ((struct pipe *)f->priv)->fifo)
        return false;                // a named FIFO goes by its path
    snprintf(buf, len, "pipe:[%lu]", ((struct pipe *)f->priv)->ino);
    return true;
}
