// splice(2), tee(2) and vmsplice(2): bytes moved between a pipe and another
// file (a regular file, a socket, the console, another pipe) or user memory,
// with Linux's checks in Linux's order. The bytes go through a kernel buffer
// rather than by lending pages, which a program cannot tell apart: a pipe's
// bytes are only consumed once the other side has taken them.
#include "syscalls.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/uio.h>

#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_F_ALL      0x0f    // SPLICE_F_MOVE | NONBLOCK | MORE | GIFT
#define SPLICE_CHUNK      16384   // bytes per pass through the kernel buffer

// One pass's buffer, from the heap: kernel stacks are small.
static char *
chunk_buffer(void)
{
    return kmalloc(SPLICE_CHUNK);
}

// Read up to N bytes of IN at *POS into BUF; NONBLOCK makes a socket's or
// a pipe-like file's read return -EAGAIN instead of waiting, as
// SPLICE_F_NONBLOCK does for the source of a splice.
static ssize_t
read_source(struct file *in, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
    uint32_t saved = in->flags;
    ssize_t r;

    if (nonblock)
        in->flags |= O_NONBLOCK;
    r = in->ops->read(in, buf, n, pos);
    in->flags = saved;
    return r;
}

// From pipe IP to file OUT at *POS: waits for the pipe's first bytes, then
// writes what is buffered (up to LEN); only what OUT took leaves the pipe.
static long
pipe_to_file(struct pipe *ip, struct file *out, uint64_t *pos, size_t len, bool nonblock)
{
    long ret = pipe_wait_data(ip, nonblock);
    size_t done = 0;
    char *buf;

    if (ret <= 0)
        return ret;
    if (!(buf = chunk_buffer()))
        return -ENOMEM;
    while (done < len) {
        size_t n = pipe_peek(ip, buf, MIN(len - done, SPLICE_CHUNK));
        ssize_t w;
        if (n == 0)
            break;
        if ((w = out->ops->write(out, buf, n, pos)) < 0) {
            ret = w;
            break;
        }
        pipe_consume(ip, w);
        done += w;
        if ((size_t)w < n)
            break;
    }
    kfree(buf);
    return done ? (long)done : ret < 0 ? ret : 0;
}

// From file IN at *POS into pipe OP: waits for room, then reads what fits
// (up to LEN). Only a regular file is read again after its first answer: a
// socket or a device would wait for bytes the caller did not ask to wait for.
static long
file_to_pipe(struct file *in, uint64_t *pos, struct pipe *op, size_t len, bool nonblock)
{
    long room = pipe_wait_room(op, nonblock);
    bool again = in->vn && vnode_is_reg(in->vn);
    size_t done = 0;
    char *buf;

    if (room < 0)
        return room;
    if (!(buf = chunk_buffer()))
        return -ENOMEM;
    len = MIN(len, (size_t)room);
    while (done < len) {
        size_t want = MIN(len - done, SPLICE_CHUNK);
        ssize_t r = read_source(in, buf, want, pos, nonblock);
        if (r <= 0) {
            room = done ? 0 : r;
            break;
        }
        pipe_put(op, buf, r);
        done += r;
        if ((size_t)r < want || !again)
            break;
    }
    kfree(buf);
    return done ? (long)done : room;
}

// Bytes from pipe IP to pipe OP, up to LEN; CONSUME false leaves them in IP
// (tee). Waits for bytes in IP and room in OP, the first to come first.
static long
pipe_to_pipe(struct pipe *ip, struct pipe *op, size_t len, bool nonblock, bool consume)
{
    long have, room;
    size_t n;
    char *buf;

    for (;;) {
        if ((have = pipe_wait_data(ip, nonblock)) <= 0)
            return have;
        if ((room = pipe_wait_room(op, nonblock)) < 0)
            return room;
        if ((have = pipe_wait_data(ip, true)) > 0)   // still there after the wait for room
            break;
    }
    if (!(buf = chunk_buffer()))
        return -ENOMEM;
    n = pipe_peek(ip, buf, MIN(MIN(len, (size_t)room), SPLICE_CHUNK));
    pipe_put(op, buf, n);
    if (consume)
        pipe_consume(ip, n);
    kfree(buf);
    return n;
}

// The starting offset for the non-pipe side: *OFF if given (the file must
// allow positioned I/O: EINVAL otherwise), else the file's own.
static long
start_offset(struct file *f, const int64_t *off, uint64_t *pos)
{
    if (!off) {
        *pos = f->pos;
        return 0;
    }
    if (!f->ops->seekable || *off < 0)
        return -EINVAL;
    *pos = *off;
    return 0;
}

// do_splice's three cases, after the descriptors and offsets are read.
static long
splice_files_pipes(struct file *in, int64_t *off_in, struct file *out, int64_t *off_out, size_t len,
                   unsigned int flags)
{
    struct pipe *ip = pipe_of(in), *op = pipe_of(out);
    bool nonblock = flags & SPLICE_F_NONBLOCK;
    uint64_t pos;
    long ret;

    if (!file_can_read(in) || !file_can_write(out))
        return -EBADF;
    len = MIN(len, MAX_RW_COUNT);
    if (ip && op) {
        if (ip == op)
            return -EINVAL;
        return pipe_to_pipe(ip, op, len, nonblock || ((in->flags | out->flags) & O_NONBLOCK), true);
    }
    if (ip) {
        if ((ret = start_offset(out, off_out, &pos)) < 0)
            return ret;
        if (out->flags & O_APPEND)
            return -EINVAL;
        ret = pipe_to_file(ip, out, off_out ? &pos : &out->pos, len,
                           nonblock || (in->flags & O_NONBLOCK));
        if (off_out)
            *off_out = pos;
        return ret;
    }
    if (op) {
        if ((ret = start_offset(in, off_in, &pos)) < 0)
            return ret;
        ret = file_to_pipe(in, off_in ? &pos : &in->pos, op, len,
                           nonblock || (out->flags & O_NONBLOCK));
        if (off_in)
            *off_in = pos;
        return ret;
    }
    return -EINVAL;     // neither end is a pipe
}

long
sys_splice(int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out, size_t len,
           unsigned int flags)
{
    struct file *in, *out;
    int64_t oin, oout;
    long ret;

    if (len == 0)
        return 0;
    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    if (!(in = fd_get(fd_in)) || !(out = fd_get(fd_out)))
        return -EBADF;
    if ((pipe_of(in) && off_in) || (pipe_of(out) && off_out))
        return -ESPIPE;
    if ((off_out && copy_from_user(&oout, off_out, sizeof(oout)) < 0) ||
        (off_in && copy_from_user(&oin, off_in, sizeof(oin)) < 0))
        return -EFAULT;
    ret = splice_files_pipes(in, off_in ? &oin : NULL, out, off_out ? &oout : NULL, len, flags);
    if (ret >= 0 && ((off_in && copy_to_user(off_in, &oin, sizeof(oin)) < 0) ||
                     (off_out && copy_to_user(off_out, &oout, sizeof(oout)) < 0)))
        return -EFAULT;
    return ret;
}

long
sys_tee(int fd_in, int fd_out, size_t len, unsigned int flags)
{
    struct file *in, *out;
    struct pipe *ip, *op;

    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (!(in = fd_get(fd_in)) || !(out = fd_get(fd_out)))
        return -EBADF;
    if (!file_can_read(in) || !file_can_write(out))
        return -EBADF;
    ip = pipe_of(in), op = pipe_of(out);
    if (!ip || !op || ip == op)
        return -EINVAL;
    return pipe_to_pipe(ip, op, MIN(len, MAX_RW_COUNT),
                        (flags & SPLICE_F_NONBLOCK) || ((in->flags | out->flags) & O_NONBLOCK),
                        false);
}

// Up to ROOM bytes of the program's iovecs into pipe P; the count, or
// -EFAULT when the first bytes could not be read.
static long
iov_to_pipe(struct pipe *p, const struct iovec __user *uiov, unsigned long nr_segs, size_t room,
            char *buf)
{
    size_t done = 0;
    struct iovec v;

    for (unsigned long i = 0; i < nr_segs && done < room; i++) {
        if (copy_from_user(&v, &uiov[i], sizeof(v)) < 0)
            return done ? (long)done : -EFAULT;
        for (size_t off = 0; off < v.iov_len && done < room;) {
            size_t n = MIN(MIN(v.iov_len - off, room - done), SPLICE_CHUNK);
            if (copy_from_user(buf, (const char __user *)v.iov_base + off, n) < 0)
                return done ? (long)done : -EFAULT;
            pipe_put(p, buf, n);
            off += n, done += n;
        }
    }
    return done;
}

// Up to HAVE buffered bytes of pipe P into the program's iovecs, each
// taken from the pipe once it is copied.
static long
pipe_to_iov(struct pipe *p, const struct iovec __user *uiov, unsigned long nr_segs, size_t have,
            char *buf)
{
    size_t done = 0;
    struct iovec v;

    for (unsigned long i = 0; i < nr_segs && done < have; i++) {
        if (copy_from_user(&v, &uiov[i], sizeof(v)) < 0)
            return done ? (long)done : -EFAULT;
        for (size_t off = 0; off < v.iov_len && done < have;) {
            size_t n = pipe_peek(p, buf, MIN(MIN(v.iov_len - off, have - done), SPLICE_CHUNK));
            if (copy_to_user((char __user *)v.iov_base + off, buf, n) < 0)
                return done ? (long)done : -EFAULT;
            pipe_consume(p, n);
            off += n, done += n;
        }
    }
    return done;
}

// vmsplice(2): the program's memory into a pipe opened for writing, or out
// of one opened for reading. The bytes are copied, so SPLICE_F_GIFT changes
// nothing. It waits (unless SPLICE_F_NONBLOCK or O_NONBLOCK) for room or
// for bytes, then moves what fits or what is there, as Linux does.
long
sys_vmsplice(int fd, const struct iovec __user *uiov, unsigned long nr_segs, unsigned int flags)
{
    struct file *f;
    struct pipe *p;
    bool nonblock;
    long ret;
    char *buf;

    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    if (!(f = fd_get(fd)) || !(p = pipe_of(f)) || !(file_can_read(f) || file_can_write(f)))
        return -EBADF;
    if (nr_segs > UIO_MAXIOV)
        return -EINVAL;
    if (nr_segs == 0)
        return 0;
    nonblock = (flags & SPLICE_F_NONBLOCK) || (f->flags & O_NONBLOCK);
    ret = file_can_write(f) ? pipe_wait_room(p, nonblock) : pipe_wait_data(p, nonblock);
    if (ret <= 0)
        return ret;
    if (!(buf = chunk_buffer()))
        return -ENOMEM;
    ret = file_can_write(f) ? iov_to_pipe(p, uiov, nr_segs, MIN((size_t)ret, MAX_RW_COUNT), buf)
                            : pipe_to_iov(p, uiov, nr_segs, MIN((size_t)ret, MAX_RW_COUNT), buf);
    kfree(buf);
    return ret;
}
