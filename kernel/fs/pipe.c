// Pipes: a 64 KiB ring shared by a read end and a write end. With one
// thread, a read of an empty pipe whose writer is still open could only
// wait forever (as on Linux); it fails with EAGAIN instead and says so in
// the log, so the program sees an error rather than the VM hanging.
// LINUX-DIFF: that case, and a write to a full pipe, until threads can wait.
#include "fs/pipe.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "sched/signal.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm/stat.h>
#include <asm/signal.h>
#include <linux/stat.h>
#include <linux/fcntl.h>

#define PIPE_SIZE 65536

struct pipe {
    char *buf;
    size_t head, len;           // bytes [head, head+len) modulo PIPE_SIZE
    int readers, writers;
    uint64_t ino;
};

static uint64_t next_pipe_ino = 100000;

static ssize_t
pipe_read(struct file *f, void *dst, size_t n, uint64_t *pos)
{
    struct pipe *p = f->priv;
    size_t done = 0;

    if (p->len == 0) {
        if (p->writers == 0)
            return 0;
        if (!(f->flags & O_NONBLOCK))
            klog("pipe: read of an empty pipe would wait forever (one thread); EAGAIN");
        return -EAGAIN;
    }
    while (done < n && p->len) {
        size_t chunk = MIN(MIN(n - done, p->len), PIPE_SIZE - p->head);
        memcpy((char *)dst + done, p->buf + p->head, chunk);
        p->head = (p->head + chunk) % PIPE_SIZE;
        p->len -= chunk;
        done += chunk;
    }
    return done;
}

static ssize_t
pipe_write(struct file *f, const void *src, size_t n, uint64_t *pos)
{
    struct pipe *p = f->priv;
    size_t done = 0;

    if (p->readers == 0) {
        signal_send(SIGPIPE);
        return -EPIPE;
    }
    while (done < n && p->len < PIPE_SIZE) {
        size_t tail = (p->head + p->len) % PIPE_SIZE;
        size_t chunk = MIN(MIN(n - done, PIPE_SIZE - p->len), PIPE_SIZE - tail);
        memcpy(p->buf + tail, (const char *)src + done, chunk);
        p->len += chunk;
        done += chunk;
    }
    return done ? (ssize_t)done : -EAGAIN;
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
    return (p->len < PIPE_SIZE ? POLLOUT | POLLWRNORM : 0) | (p->readers ? 0 : POLLERR);
}

static void
pipe_release(struct file *f)
{
    struct pipe *p = f->priv;

    if ((f->flags & O_ACCMODE) == O_RDONLY)
        p->readers--;
    else
        p->writers--;
    if (p->readers == 0 && p->writers == 0) {
        kfree(p->buf);
        kfree(p);
    }
}

static const struct file_ops pipe_ops = {
    .read = pipe_read, .write = pipe_write, .stat = pipe_stat, .poll = pipe_poll,
    .release = pipe_release,
};

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
    *r = (struct file){ .ops = &pipe_ops, .refs = 1, .flags = O_RDONLY | (flags & O_NONBLOCK), .priv = p };
    *w = (struct file){ .ops = &pipe_ops, .refs = 1, .flags = O_WRONLY | (flags & O_NONBLOCK), .priv = p };
    *rd = r, *wr = w;
    return 0;
}

bool
pipe_describe(struct file *f, char *buf, size_t len)
{
    if (f->ops != &pipe_ops)
        return false;
    snprintf(buf, len, "pipe:[%lu]", ((struct pipe *)f->priv)->ino);
    return true;
}
