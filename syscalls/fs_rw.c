// Moving bytes through descriptors: read, write and their positional and
// vector forms, lseek, sendfile and copy_file_range. Bytes are copied between
// the program and kernel buffers here; the file's operations do the rest.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/file.h"
#include "syscalls/net.h"
#include "fs/vfs.h"
#include "fs/pipe.h"
#include "sched/proc.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/uio.h>
#include <linux/fs.h>

#define IO_CHUNK 4096
// preadv2/pwritev2 flags newer than <linux/fs.h> here; RWF_KNOWN is Linux 6.18's RWF_SUPPORTED.
#define RWF_NOAPPEND_  0x20
#define RWF_ATOMIC_    0x40
#define RWF_DONTCACHE_ 0x80
#define RWF_NOSIGNAL_  0x100
#define RWF_KNOWN      0x1ff

// Write COUNT bytes from the program at *POS, in chunks; a failure after some bytes returns the count.
static ssize_t
write_chunks(struct file *f, const char __user *buf, size_t count, uint64_t *pos)
{
    char chunk[IO_CHUNK];
    size_t done = 0;

    while (done < count) {
        size_t n = MIN(count - done, sizeof(chunk));
        ssize_t w;
        if (copy_from_user(chunk, buf + done, n) < 0)
            return done ? (ssize_t)done : -EFAULT;
        w = f->ops->write(f, chunk, n, pos);
        if (w < 0)
            return done ? (ssize_t)done : w;
        done += w;
        if ((size_t)w < n)
            break;
    }
    return done;
}

// Read up to COUNT bytes into the program; stops at the first short read (pipes, terminals, EOF).
static ssize_t
read_chunks(struct file *f, char __user *buf, size_t count, uint64_t *pos)
{
    char chunk[IO_CHUNK];
    size_t done = 0;

    while (done < count) {
        size_t want = MIN(count - done, sizeof(chunk));
        ssize_t r = f->ops->read(f, chunk, want, pos);
        if (r < 0)
            return done ? (ssize_t)done : r;
        if (r && copy_to_user(buf + done, chunk, r) < 0)
            return done ? (ssize_t)done : -EFAULT;
        done += r;
        if ((size_t)r < want || !f->ops->seekable)
            break;
    }
    return done;
}

// The file stays open while the call waits in it, whatever another thread
// does with the descriptor meanwhile (close, dup2), as on Linux.
static ssize_t
write_from_user(struct file *f, const char __user *buf, size_t count, uint64_t *pos)
{
    ssize_t ret;

    file_get(f);
    if (f->ops->write_user)
        ret = f->ops->write_user(f, buf, count, pos);
    else
        ret = write_chunks(f, buf, count, pos);
    file_put(f);
    return ret;
}

static ssize_t
read_to_user(struct file *f, char __user *buf, size_t count, uint64_t *pos)
{
    ssize_t ret;

    file_get(f);
    if (f->ops->read_user)
        ret = f->ops->read_user(f, buf, count, pos);
    else
        ret = read_chunks(f, buf, count, pos);
    file_put(f);
    return ret;
}

long
sys_read(int fd, char __user *buf, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !file_can_read(f))
        return -EBADF;
    if (sock_of(f))
        return net_sock_rw(f, buf, count, false); // a whole message
    return count ? read_to_user(f, buf, MIN(count, MAX_RW_COUNT), &f->pos) : 0;
}

long
sys_write(int fd, const char __user *buf, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !file_can_write(f))
        return -EBADF;
    if (sock_of(f))
        return net_sock_rw(f, (void __user *)buf, count, true); // a datagram of 0 bytes is one
    return count ? write_from_user(f, buf, MIN(count, MAX_RW_COUNT), &f->pos) : 0;
}

// The file of a positional call, in Linux's order: a negative offset
// before the descriptor, a file without positions (ESPIPE) before one
// not open for the access (EBADF).
static long
positional_file(int fd, int64_t off, bool write, struct file **out)
{
    struct file *f;

    if (off < 0)
        return -EINVAL;
    if (!(f = fd_get(fd)))
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if (!(write ? file_can_write(f) : file_can_read(f)))
        return -EBADF;
    *out = f;
    return 0;
}

long
sys_pread64(int fd, char __user *buf, size_t count, int64_t off)
{
    struct file *f;
    uint64_t pos = off;
    long ret = positional_file(fd, off, false, &f);

    if (ret < 0)
        return ret;
    return count ? read_to_user(f, buf, MIN(count, MAX_RW_COUNT), &pos) : 0;
}

long
sys_pwrite64(int fd, const char __user *buf, size_t count, int64_t off)
{
    struct file *f;
    uint64_t pos = off;
    long ret = positional_file(fd, off, true, &f);

    if (ret < 0)
        return ret;
    return count ? write_from_user(f, buf, MIN(count, MAX_RW_COUNT), &pos) : 0;
}

// Copy and check an iovec array: EINVAL for a bad count or a total over ssize_t.
static long
iov_from_user(const struct iovec __user *uiov, int iovcnt, struct iovec **out)
{
    struct iovec *iov;
    uint64_t total = 0;

    if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
        return -EINVAL;
    if (!(iov = kmalloc(sizeof(*iov) * (iovcnt ? iovcnt : 1))))
        return -ENOMEM;
    if (copy_from_user(iov, uiov, sizeof(*iov) * iovcnt) < 0) {
        kfree(iov);
        return -EFAULT;
    }
    for (int i = 0; i < iovcnt; i++) {
        if ((int64_t)iov[i].iov_len < 0 || (total += iov[i].iov_len) > 0x7fffffffffffffffull) {
            kfree(iov);
            return -EINVAL;
        }
    }
    *out = iov;
    return 0;
}

static long
do_iov(struct file *f, const struct iovec __user *uiov, int iovcnt, uint64_t *pos, bool write)
{
    struct iovec *iov;
    ssize_t total = 0;
    long ret = iov_from_user(uiov, iovcnt, &iov);

    if (ret < 0)
        return ret;
    for (int i = 0; i < iovcnt; i++) {
        ssize_t n = 0;
        if (iov[i].iov_len)
            n = write ? write_from_user(f, iov[i].iov_base, iov[i].iov_len, pos)
                      : read_to_user(f, iov[i].iov_base, iov[i].iov_len, pos);
        if (n < 0) {
            total = total ? total : n;
            break;
        }
        total += n;
        if ((size_t)n < iov[i].iov_len)
            break;
    }
    kfree(iov);
    return total;
}

long
sys_readv(int fd, const struct iovec __user *iov, int iovcnt)
{
    struct file *f = fd_get(fd);

    if (!f || !file_can_read(f))
        return -EBADF;
    if (sock_of(f))
        return net_sock_rwv(f, iov, iovcnt, false);
    return do_iov(f, iov, iovcnt, &f->pos, false);
}

long
sys_writev(int fd, const struct iovec __user *iov, int iovcnt)
{
    struct file *f = fd_get(fd);

    if (!f || !file_can_write(f))
        return -EBADF;
    if (sock_of(f))
        return net_sock_rwv(f, iov, iovcnt, true);
    return do_iov(f, iov, iovcnt, &f->pos, true);
}

long
sys_preadv(int fd, const struct iovec __user *iov, int iovcnt, int64_t off)
{
    struct file *f;
    uint64_t pos = off;
    long ret = positional_file(fd, off, false, &f);

    return ret < 0 ? ret : do_iov(f, iov, iovcnt, &pos, false);
}

long
sys_pwritev(int fd, const struct iovec __user *iov, int iovcnt, int64_t off)
{
    struct file *f;
    uint64_t pos = off;
    long ret = positional_file(fd, off, true, &f);

    return ret < 0 ? ret : do_iov(f, iov, iovcnt, &pos, true);
}

// Whether F takes RWF_NOWAIT (Linux's FMODE_NOWAIT): pipes, sockets and the
// memory devices do; regular files do not (tmpfs's do not on Linux either),
// nor terminals.
static bool
takes_nowait(struct file *f)
{
    return pipe_of(f) || sock_of(f) || f->ops->seek_noop;
}

// Linux's checks of preadv2/pwritev2 flags, in its order (kiocb_set_rw_flags).
static long
check_rw_flags(struct file *f, int flags)
{
    if (flags & ~RWF_KNOWN)
        return -EOPNOTSUPP;
    if ((flags & RWF_APPEND) && (flags & RWF_NOAPPEND_))
        return -EINVAL;
    if ((flags & RWF_NOWAIT) && !takes_nowait(f))
        return -EOPNOTSUPP;
    if (flags & (RWF_ATOMIC_ | RWF_DONTCACHE_))
        return -EOPNOTSUPP; // no file here does untorn writes or uncached I/O
    return 0;
}

// The status flags one preadv2/pwritev2 runs with: RWF_NOWAIT is
// O_NONBLOCK; RWF_APPEND and RWF_NOAPPEND set and clear O_APPEND of a
// regular file's write. They are set on the shared open file for the call
// only, which is safe under the kernel lock: a non-blocking call, and a
// write to a memory-backed file, never sleep, so no other thread runs
// while they are set. (HIPRI, DSYNC and SYNC change nothing: memory is the
// storage.)
static uint32_t
call_status(struct file *f, int flags, bool write)
{
    uint32_t st = f->flags;

    if (flags & RWF_NOWAIT)
        st |= O_NONBLOCK;
    if (write && f->vn && vnode_is_reg(f->vn)) {
        if (flags & RWF_APPEND)
            st |= O_APPEND;
        if (flags & RWF_NOAPPEND_)
            st &= ~O_APPEND;
    }
    return st;
}

// The transfer's total, or an iovec error (EINVAL, EFAULT), before the flags are looked at.
static long
iov_total(const struct iovec __user *uiov, unsigned long vlen)
{
    struct iovec *iov;
    uint64_t total = 0;
    long ret;

    if (vlen > UIO_MAXIOV)
        return -EINVAL;
    if ((ret = iov_from_user(uiov, (int)vlen, &iov)) < 0)
        return ret;
    for (unsigned long i = 0; i < vlen; i++)
        total += iov[i].iov_len;
    kfree(iov);
    return (long)total;
}

static long
rw_with_flags(struct file *f, const struct iovec __user *iov, int n, uint64_t *pos, int flags,
              bool write)
{
    uint32_t saved = f->flags;
    long ret;

    f->flags = call_status(f, flags, write);
    current_thread()->rw_nosignal = write && (flags & RWF_NOSIGNAL_);
    if (!pos && sock_of(f))
        ret = net_sock_rwv(f, iov, n, write);
    else
        ret = do_iov(f, iov, n, pos ? pos : &f->pos, write);
    current_thread()->rw_nosignal = false;
    f->flags = saved;
    return ret;
}

// preadv2 and pwritev2: offset -1 is the file's position (as readv and
// writev: sockets and pipes too), any other the positional call's.
static long
rw2(int fd, const struct iovec __user *iov, unsigned long vlen, int64_t off, int flags, bool write)
{
    struct file *f = NULL;
    uint64_t pos = off;
    long ret;

    if (off != -1 && (ret = positional_file(fd, off, write, &f)) < 0)
        return ret;
    if (off == -1 && (!(f = fd_get(fd)) || !(write ? file_can_write(f) : file_can_read(f))))
        return -EBADF;
    if ((ret = iov_total(iov, vlen)) <= 0)
        return ret; // as Linux: nothing to move is 0 whatever the flags
    if ((ret = check_rw_flags(f, flags)) < 0)
        return ret;
    return rw_with_flags(f, iov, (int)vlen, off == -1 ? NULL : &pos, flags, write);
}

long
sys_preadv2(int fd, const struct iovec __user *iov, unsigned long vlen, unsigned long pos_l,
            unsigned long pos_h, int flags)
{
    return rw2(fd, iov, vlen, (int64_t)pos_l, flags, false); // x86-64: pos_l holds all 64 bits
}

long
sys_pwritev2(int fd, const struct iovec __user *iov, unsigned long vlen, unsigned long pos_l,
             unsigned long pos_h, int flags)
{
    return rw2(fd, iov, vlen, (int64_t)pos_l, flags, true);
}

long
sys_lseek(int fd, int64_t offset, int whence)
{
    struct file *f = fd_get(fd);
    int64_t base, pos;

    if (!f)
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if (f->ops->seek_noop)
        return f->pos;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = f->pos; break;
    case SEEK_END: base = f->vn ? (int64_t)f->vn->size : 0; break;
    case SEEK_DATA:
    case SEEK_HOLE:
        if (!f->vn || offset < 0 || (uint64_t)offset >= f->vn->size)
            return -ENXIO;
        base = 0;
        offset = vnode_seek_data(f->vn, offset, whence == SEEK_HOLE);
        if (whence == SEEK_DATA && (uint64_t)offset >= f->vn->size)
            return -ENXIO;
        break;
    default: return -EINVAL;
    }
    if (__builtin_add_overflow(base, offset, &pos) || pos < 0)
        return -EINVAL;
    if (f->vn && vnode_is_reg(f->vn) && (uint64_t)pos > VFS_MAX_FILE_SIZE)
        return -EINVAL;
    f->pos = pos;
    return f->pos;
}

// Move up to COUNT bytes from IN (at *IN_POS) to OUT through a kernel buffer.
static long
splice_files(struct file *in, uint64_t *in_pos, struct file *out, size_t count)
{
    char chunk[IO_CHUNK];
    size_t done = 0;

    while (done < count) {
        ssize_t r = in->ops->read(in, chunk, MIN(count - done, sizeof(chunk)), in_pos), w;
        if (r <= 0)
            return done ? (long)done : r;
        w = out->ops->write(out, chunk, r, &out->pos);
        if (w < r) // what OUT did not take was not sent: IN (a file) goes back
            *in_pos -= r - MAX(w, 0);
        if (w < 0)
            return done ? (long)done : w;
        done += w;
        if (w < r)
            break;
    }
    return done;
}

// sendfile(2), in do_sendfile's order of checks. Only a regular file can
// be the source (a pipe is EINVAL, as splice_direct_to_actor says).
long
sys_sendfile(int out_fd, int in_fd, int64_t __user *offset, size_t count)
{
    struct file *in = fd_get(in_fd), *out;
    uint64_t pos;
    long ret;

    if (!in || !file_can_read(in))
        return -EBADF;
    if (offset && copy_from_user(&pos, offset, sizeof(pos)) < 0)
        return -EFAULT;
    if (offset && !in->ops->seekable)
        return -ESPIPE;
    if (offset && (int64_t)pos < 0)
        return -EINVAL;
    if (!(out = fd_get(out_fd)) || !file_can_write(out))
        return -EBADF;
    if (!in->vn || !vnode_is_reg(in->vn) || (out->flags & O_APPEND))
        return -EINVAL;
    if (!offset)
        return splice_files(in, &in->pos, out, MIN(count, MAX_RW_COUNT));
    ret = splice_files(in, &pos, out, MIN(count, MAX_RW_COUNT));
    if (ret >= 0 && copy_to_user(offset, &pos, sizeof(pos)) < 0)
        return -EFAULT;
    return ret;
}

// generic_file_rw_checks and generic_copy_file_checks: types, modes, offsets,
// the length cut at the source's end, and no overlap within one file.
static long
copy_range_checks(struct file *in, uint64_t in_pos, struct file *out, uint64_t out_pos, size_t *len)
{
    if ((in->vn && vnode_is_dir(in->vn)) || (out->vn && vnode_is_dir(out->vn)))
        return -EISDIR;
    if (!in->vn || !out->vn || !vnode_is_reg(in->vn) || !vnode_is_reg(out->vn))
        return -EINVAL;
    if (!file_can_read(in) || !file_can_write(out) || (out->flags & O_APPEND))
        return -EBADF;
    if ((int64_t)in_pos < 0 || (int64_t)out_pos < 0)
        return -EOVERFLOW;
    if (in_pos + *len < in_pos || out_pos + *len < out_pos)
        return -EOVERFLOW;
    *len = MIN(*len, MAX_RW_COUNT);
    *len = in_pos >= in->vn->size ? 0 : MIN(*len, in->vn->size - in_pos);
    if (in->vn == out->vn && out_pos + *len > in_pos && out_pos < in_pos + *len)
        return -EINVAL;
    return 0;
}

long
sys_copy_file_range(int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out,
                    size_t len, unsigned int flags)
{
    struct file *in, *out;
    uint64_t in_pos, out_pos, saved;
    long ret;

    if (flags)
        return -EINVAL;
    if (!(in = fd_get(fd_in)) || !(out = fd_get(fd_out)))
        return -EBADF;
    in_pos = in->pos, out_pos = out->pos;
    if ((off_in && copy_from_user(&in_pos, off_in, 8) < 0) ||
        (off_out && copy_from_user(&out_pos, off_out, 8) < 0))
        return -EFAULT;
    if ((ret = copy_range_checks(in, in_pos, out, out_pos, &len)) < 0 || len == 0)
        return ret;
    saved = out->pos;
    out->pos = out_pos;
    ret = splice_files(in, &in_pos, out, len);
    out_pos = out->pos;
    if (off_out)
        out->pos = saved;
    if (!off_in)
        in->pos = in_pos;
    if (ret >= 0 && ((off_in && copy_to_user(off_in, &in_pos, 8) < 0) ||
                     (off_out && copy_to_user(off_out, &out_pos, 8) < 0)))
        return -EFAULT;
    return ret;
}
