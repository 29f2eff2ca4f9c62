// /dev: the memory devices (null, zero, full, random, urandom), the
// terminal (tty, console), and the links into /proc/self/fd that programs
// use for their standard streams.
#include "fs/vfs.h"
#include "fs/file.h"
#include "fs/console.h"
#include "drivers/rng.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/stat.h>

static ssize_t
read_zero(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    memset(buf, 0, n);
    return n;
}

static ssize_t
read_eof(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    return 0;
}

static ssize_t
write_sink(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return n;
}

static ssize_t
write_full(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return -ENOSPC;
}

static ssize_t
read_random(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    rng_bytes(buf, n);
    return n;
}

// stat comes from the device node; poll and ioctl are the defaults (ready, ENOTTY).
// Their offset never moves, and lseek answers 0 whatever it is asked, as on Linux.
#define MEMDEV(rd, wr) { .read = rd, .write = wr, .seekable = true, .seek_noop = true }
static const struct file_ops null_ops = MEMDEV(read_eof, write_sink);
static const struct file_ops zero_ops = MEMDEV(read_zero, write_sink);
static const struct file_ops full_ops = MEMDEV(read_zero, write_full);
static const struct file_ops random_ops = MEMDEV(read_random, write_sink);

static void
add_dev(struct vnode *dev, const char *name, uint32_t perm, int major, int minor,
        const struct file_ops *ops)
{
    struct vnode *vn = vnode_new(S_IFCHR | perm);

    if (!vn)
        panic("devfs: out of memory");
    vn->rdev = (major << 8) | minor;
    vn->fops = ops;
    dir_link(dev, name, vn);
    vnode_put(vn);
}

static void
add_link(struct vnode *dir, const char *name, const char *target)
{
    struct vnode *vn = vnode_new(S_IFLNK | 0777);

    if (!vn || !(vn->link = kstrdup(target)))
        panic("devfs: out of memory");
    vn->size = strlen(target);
    dir_link(dir, name, vn);
    vnode_put(vn);
}

// What a character device node with number RDEV does, for mknod(2): the
// devices /dev has, NULL for any other number (its open is ENXIO).
const struct file_ops *
devfs_ops_for(uint64_t rdev)
{
    switch (rdev) {
    case (1 << 8) | 3: return &null_ops;
    case (1 << 8) | 5: return &zero_ops;
    case (1 << 8) | 7: return &full_ops;
    case (1 << 8) | 8:
    case (1 << 8) | 9: return &random_ops;
    case (5 << 8) | 0:
    case (5 << 8) | 1: return console_tty_ops();
    default: return NULL;
    }
}

void
devfs_init(struct vnode *dev)
{
    add_dev(dev, "null", 0666, 1, 3, &null_ops);
    add_dev(dev, "zero", 0666, 1, 5, &zero_ops);
    add_dev(dev, "full", 0666, 1, 7, &full_ops);
    add_dev(dev, "random", 0666, 1, 8, &random_ops);
    add_dev(dev, "urandom", 0666, 1, 9, &random_ops);
    add_dev(dev, "tty", 0666, 5, 0, console_tty_ops());
    add_dev(dev, "console", 0600, 5, 1, console_tty_ops());
    add_link(dev, "stdin", "/proc/self/fd/0");
    add_link(dev, "stdout", "/proc/self/fd/1");
    add_link(dev, "stderr", "/proc/self/fd/2");
    add_link(dev, "fd", "/proc/self/fd");
    dir_mkdir(dev, "shm", 01777);
    dir_mkdir(dev, "pts", 0755);
}
