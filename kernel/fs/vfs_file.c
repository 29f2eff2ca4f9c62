// What an open file of a node does: regular files read and write the node's
// contents at the file's offset; directories refuse read(2) (getdents64
// lists them); generated files (procfs) serve a buffer made at open time.
#include "fs/vfs.h"
#include "fs/inotify.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>
#include <linux/stat.h>

static ssize_t
reg_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    ssize_t r = vnode_read(f->vn, buf, n, *pos);

    if (r > 0) {
        *pos += r;
        fsnotify(f->vn, IN_ACCESS);
    }
    return r;
}

static ssize_t
reg_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    ssize_t w;

    if (f->flags & O_APPEND)
        *pos = f->vn->size;
    w = vnode_write(f->vn, buf, n, *pos);
    if (w > 0) {
        *pos += w;
        fsnotify(f->vn, IN_MODIFY);
    }
    return w;
}

// stat, poll and ioctl come from the vnode and the defaults (always ready, ENOTTY).
static const struct file_ops reg_ops = {
    .read = reg_read,
    .write = reg_write,
    .seekable = true,
};

static ssize_t
dir_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    return -EISDIR;
}

static ssize_t
dir_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return -EISDIR;
}

static const struct file_ops dir_ops = {
    .read = dir_read,
    .write = dir_write,
    .seekable = true,
};

struct gen_buf {
    char *data;
    size_t len;
};

static ssize_t
gen_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    struct gen_buf *g = f->priv;

    if (*pos >= g->len)
        return 0;
    n = MIN(n, g->len - *pos);
    memcpy(buf, g->data + *pos, n);
    *pos += n;
    return n;
}

static ssize_t
gen_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    long ret;

    if (!f->vn || !f->vn->store)
        return -EACCES;    // LINUX-DIFF: procfs tunables are read-only here
    ret = f->vn->store(f->vn, buf, n);
    return ret < 0 ? ret : (ssize_t)n;
}

static void
gen_release(struct file *f)
{
    struct gen_buf *g = f->priv;

    kfree(g->data);
    kfree(g);
}

static const struct file_ops gen_ops = {
    .read = gen_read,
    .write = gen_write,
    .release = gen_release,
    .seekable = true,
};

static long
open_generated(struct vnode *vn, struct file *f)
{
    struct gen_buf *g = kzalloc(sizeof(*g));
    long ret;

    if (!g)
        return -ENOMEM;
    if ((ret = vn->generate(vn, &g->data, &g->len)) < 0) {
        kfree(g);
        return ret;
    }
    f->priv = g;
    f->ops = &gen_ops;
    return 0;
}

// O_PATH files only name their node: fd_get refuses them to every I/O call.
static const struct file_ops path_ops = { 0 };

// A program file being run cannot be opened for writing (ETXTBSY), and a
// file open for writing cannot be run: the writers are counted (execve).
static long
open_regular(struct vnode *vn, struct file *f)
{
    f->ops = &reg_ops;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return 0;
    if (vn->exec_users)
        return -ETXTBSY;
    vn->writers++;
    f->counts_writer = true;
    return 0;
}

long
vfs_open_vnode(struct vnode *vn, uint32_t flags, struct file **out)
{
    struct file *f = kzalloc(sizeof(*f));
    long ret = 0;

    if (!f)
        return -ENOMEM;
    *f = (struct file){ .refs = 1,
                        .flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC),
                        .vn = vnode_get(vn) };
    if (flags & O_PATH)
        f->ops = &path_ops;
    else if (vn->fops) {
        f->ops = vn->fops;
        if (f->ops->open)
            ret = f->ops->open(f);
    } else if (vn->generate)
        ret = open_generated(vn, f);
    else if (vnode_is_dir(vn))
        f->ops = &dir_ops;
    else if (S_ISFIFO(vn->mode))
        ret = pipe_open_fifo(vn, f);
    else if (!vnode_is_reg(vn))
        ret = -ENXIO;                  // a device or socket node nothing serves
    else
        ret = open_regular(vn, f);
    if (ret < 0) {
        vnode_put(vn);
        kfree(f);
        return ret;
    }
    if (!(flags & O_PATH))
        fsnotify(vn, IN_OPEN);
    *out = f;
    return 0;
}

struct vnode *
file_vnode(struct file *f)
{
    return f->vn;
}
