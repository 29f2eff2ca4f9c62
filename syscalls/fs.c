// Descriptor I/O syscalls: argument checks, copies between the program and
// kernel buffers, and the file's operations (kernel/fs) for the work.
#include "types.h"
#include "fs/file.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "fs/vfs.h"
#include "fs/pipe.h"
#include "fs/lock.h"
#include "log.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/uio.h>
#include <linux/poll.h>
#include <linux/fs.h>
#include <linux/close_range.h>
#include <asm/ioctls.h>

#define IO_CHUNK 4096
#define IOV_MAX_LINUX 1024
#define MAX_RW_COUNT 0x7ffff000ul

static bool can_read(struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool can_write(struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

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
    ret = write_chunks(f, buf, count, pos);
    file_put(f);
    return ret;
}

static ssize_t
read_to_user(struct file *f, char __user *buf, size_t count, uint64_t *pos)
{
    ssize_t ret;

    file_get(f);
    ret = read_chunks(f, buf, count, pos);
    file_put(f);
    return ret;
}

long
sys_read(int fd, char __user *buf, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !can_read(f))
        return -EBADF;
    return count ? read_to_user(f, buf, MIN(count, MAX_RW_COUNT), &f->pos) : 0;
}

long
sys_write(int fd, const char __user *buf, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !can_write(f))
        return -EBADF;
    return count ? write_from_user(f, buf, MIN(count, MAX_RW_COUNT), &f->pos) : 0;
}

static long
positional_file(int fd, int64_t off, bool write, struct file **out)
{
    struct file *f = fd_get(fd);

    if (!f || !(write ? can_write(f) : can_read(f)))
        return -EBADF;
    if (off < 0)
        return -EINVAL;
    if (!f->ops->seekable)
        return -ESPIPE;
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

    if (iovcnt < 0 || iovcnt > IOV_MAX_LINUX)
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

    if (!f || !can_read(f))
        return -EBADF;
    return do_iov(f, iov, iovcnt, &f->pos, false);
}

long
sys_writev(int fd, const struct iovec __user *iov, int iovcnt)
{
    struct file *f = fd_get(fd);

    if (!f || !can_write(f))
        return -EBADF;
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
    default:
        return -EINVAL;
    }
    if (__builtin_add_overflow(base, offset, &pos) || pos < 0)
        return -EINVAL;
    if (f->vn && vnode_is_reg(f->vn) && (uint64_t)pos > VFS_MAX_FILE_SIZE)
        return -EINVAL;
    f->pos = pos;
    return f->pos;
}

long
sys_close(int fd)
{
    return fd_close(fd);
}

long
sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
    if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    for (unsigned int fd = first; fd <= last && fd < FD_MAX; fd++) {
        if (!fd_get_raw(fd))
            continue;
        if (flags & CLOSE_RANGE_CLOEXEC)
            current_proc()->fds->cloexec[fd] = 1;
        else
            fd_close(fd);
    }
    return 0;
}

long
sys_ioctl(int fd, unsigned int cmd, unsigned long arg)
{
    struct file *f = fd_get(fd);
    int on;

    if (!f)
        return -EBADF;
    switch (cmd) {
    case FIOCLEX:
    case FIONCLEX:
        current_proc()->fds->cloexec[fd] = cmd == FIOCLEX;
        return 0;
    case FIONBIO:
        if (copy_from_user(&on, (void __user *)arg, sizeof(on)) < 0)
            return -EFAULT;
        f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
        return 0;
    case FIONREAD:
        if (f->vn && vnode_is_reg(f->vn)) {
            on = f->pos < f->vn->size ? MIN(f->vn->size - f->pos, 0x7fffffffu) : 0;
            return copy_to_user((void __user *)arg, &on, sizeof(on));
        }
        break;
    }
    return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

long
sys_fstat(int fd, struct stat __user *ust)
{
    struct file *f = fd_get_raw(fd);
    struct stat st;
    long ret = 0;

    if (!f)
        return -EBADF;
    if (f->vn)
        vnode_stat(f->vn, &st);
    else
        ret = f->ops->stat(f, &st);
    return ret < 0 ? ret : copy_to_user(ust, &st, sizeof(st));
}

static long
dup_to_lowest(struct file *f, int min, bool cloexec)
{
    struct fd_table *t = current_proc()->fds;

    if (min < 0 || min >= FD_MAX)
        return -EINVAL;
    for (int n = min; n < FD_MAX; n++)
        if (!t->files[n])
            return fd_install(n, file_get(f), cloexec);
    return -EMFILE;
}

// struct flock's range as a lock's [start, end] (flock_to_posix_lock's rules).
static long
flock_range(struct file *f, const struct flock *fl, struct file_lock *l)
{
    int64_t base, start, len = fl->l_len;

    switch (fl->l_whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = f->pos; break;
    case SEEK_END: base = f->vn ? (int64_t)f->vn->size : 0; break;
    default: return -EINVAL;
    }
    if (__builtin_add_overflow(base, fl->l_start, &start))
        return -EOVERFLOW;
    if (start < 0)
        return -EINVAL;
    if (len > 0) {
        l->start = start;
        l->end = len - 1 > (int64_t)LOCK_OFFSET_MAX - start ? LOCK_OFFSET_MAX : start + len - 1;
    } else if (len == 0) {
        l->start = start, l->end = LOCK_OFFSET_MAX;
    } else {
        if (start + len < 0)
            return -EINVAL;
        l->start = start + len, l->end = start - 1;
    }
    return 0;
}

// The lock request a struct flock describes, checked as fcntl_setlk/getlk check it.
static long
flock_request(struct file *f, int cmd, const struct flock *fl, struct file_lock *l)
{
    bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
    long ret;

    if (get && fl->l_type != F_RDLCK && fl->l_type != F_WRLCK)
        return -EINVAL;
    if (!get && fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK)
        return -EINVAL;
    if ((ret = flock_range(f, fl, l)) < 0)
        return ret;
    if (!get && ((fl->l_type == F_RDLCK && !can_read(f)) || (fl->l_type == F_WRLCK && !can_write(f))))
        return -EBADF;
    if (ofd && fl->l_pid != 0)
        return -EINVAL;
    l->kind = ofd ? LOCK_KIND_OFD : LOCK_KIND_POSIX;
    l->owner = ofd ? (const void *)f : (const void *)current_proc();
    l->type = fl->l_type;
    l->pid = ofd ? -1 : current_proc()->pid;
    return 0;
}

// F_GETLK: the first conflicting lock of another owner, else l_type F_UNLCK.
static long
lock_get(struct file *f, struct flock *fl, const struct file_lock *req, unsigned long arg)
{
    struct file_lock *held = f->vn ? lock_find_conflict(f->vn, req) : NULL;

    if (!held) {
        fl->l_type = F_UNLCK;
    } else {
        fl->l_type = held->type;
        fl->l_whence = SEEK_SET;
        fl->l_start = held->start;
        fl->l_len = held->end == LOCK_OFFSET_MAX ? 0 : held->end - held->start + 1;
        fl->l_pid = held->pid;
    }
    return copy_to_user((void __user *)arg, fl, sizeof(*fl));
}

// Waiting for a lock (F_SETLKW, F_OFD_SETLKW, flock without LOCK_NB): try
// again whenever locks change (lock.c pokes) until it is taken or fails for
// another reason; a signal ends the wait (-ERESTARTSYS).
struct lock_try {
    struct file *f;
    const struct file_lock *req;
    long (*set)(struct vnode *vn, const struct file_lock *req);
    long ret;
};

__after_boot static bool
lock_try_again(void *arg)
{
    struct lock_try *t = arg;

    return (t->ret = t->set(t->f->vn, t->req)) != -EAGAIN;
}

static long
lock_wait(struct file *f, const struct file_lock *req, long (*set)(struct vnode *, const struct file_lock *))
{
    struct lock_try t = { f, req, set, -EAGAIN };
    long ret;

    file_get(f);
    ret = wait_event(WAIT_FOREVER, lock_try_again, &t, true) < 0 ? -ERESTARTSYS : t.ret;
    file_put(f);
    return ret;
}

// Record locks, POSIX and OFD. LINUX-DIFF: one process, so POSIX locks
// never conflict (a process never conflicts with itself) and no deadlock
// between processes can be detected; OFD locks of separate opens do wait.
static long
lock_cmd(struct file *f, int cmd, unsigned long arg)
{
    struct file_lock req = { 0 };
    struct flock fl;
    long ret;

    if (copy_from_user(&fl, (void __user *)arg, sizeof(fl)) < 0)
        return -EFAULT;
    if ((ret = flock_request(f, cmd, &fl, &req)) < 0)
        return ret;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK)
        return lock_get(f, &fl, &req, arg);
    if (!f->vn)
        return 0;                          // pipes and the console: nobody else to contend
    ret = lock_set_record(f->vn, &req);
    if (ret == -EAGAIN && (cmd == F_SETLKW || cmd == F_OFD_SETLKW))
        ret = lock_wait(f, &req, lock_set_record);
    return ret;
}

// The commands Linux allows on an O_PATH descriptor.
static bool
fcntl_allowed_on_path(int cmd)
{
    return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_GETFD || cmd == F_SETFD ||
           cmd == F_GETFL;
}

long
sys_fcntl(int fd, int cmd, unsigned long arg)
{
    struct file *f = fd_get_raw(fd);
    struct fd_table *t = current_proc()->fds;
    const uint32_t settable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | FASYNC;

    if (!f || ((f->flags & O_PATH) && !fcntl_allowed_on_path(cmd)))
        return -EBADF;
    switch (cmd) {
    case F_GETFD:
        return t->cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD:
        t->cloexec[fd] = arg & FD_CLOEXEC;
        return 0;
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & ~settable) | (arg & settable);
        return 0;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return arg >= FD_MAX ? -EINVAL : dup_to_lowest(f, arg, cmd == F_DUPFD_CLOEXEC);
    case F_GETLK: case F_SETLK: case F_SETLKW:
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
        return lock_cmd(f, cmd, arg);
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
        return f->vn ? -EBADF : 65536;
    case F_ADD_SEALS:
    case F_GET_SEALS:
        return cmd == F_GET_SEALS ? 0 : -EINVAL;
    default:
        return -EINVAL;
    }
}

// flock(2): without LOCK_NB a conflicting lock (another open file's) waits.
long
sys_flock(int fd, unsigned int op)
{
    struct file *f = fd_get(fd);
    struct file_lock req = { .kind = LOCK_KIND_FLOCK, .owner = f, .pid = -1 };
    long ret;

    if (!f)
        return -EBADF;
    if (op & LOCK_MAND)
        return 0;                          // Linux ignores (and warns about) the old LOCK_MAND
    switch (op & ~LOCK_NB) {
    case LOCK_SH: req.type = F_RDLCK; break;
    case LOCK_EX: req.type = F_WRLCK; break;
    case LOCK_UN: req.type = F_UNLCK; break;
    default: return -EINVAL;
    }
    if (!f->vn)
        return 0;
    ret = lock_set_flock(f->vn, &req);
    if (ret == -EAGAIN && !(op & LOCK_NB))
        ret = lock_wait(f, &req, lock_set_flock);
    return ret;
}

long
sys_dup(int oldfd)
{
    struct file *f = fd_get_raw(oldfd);

    return f ? dup_to_lowest(f, 0, false) : -EBADF;
}

long
sys_dup3(int oldfd, int newfd, int flags)
{
    struct file *f = fd_get_raw(oldfd);

    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    if (!f || newfd < 0 || newfd >= FD_MAX)
        return -EBADF;
    return fd_install(newfd, file_get(f), flags & O_CLOEXEC);
}

long
sys_dup2(int oldfd, int newfd)
{
    if (oldfd == newfd)
        return fd_get_raw(oldfd) ? newfd : -EBADF;
    return sys_dup3(oldfd, newfd, 0);
}

// Memory is the storage: nothing to flush. Like Linux, files with no fsync
// method (pipes, terminals, devices, procfs) say EINVAL.
long
sys_fsync(int fd)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    if (!f->vn || f->vn->fops || f->vn->generate)
        return -EINVAL;
    return 0;
}

long sys_fdatasync(int fd) { return sys_fsync(fd); }
long sys_sync(void) { return 0; }

long
sys_fadvise64(int fd, int64_t offset, int64_t len, int advice)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if (advice < 0 || advice > 5 || len < 0)
        return -EINVAL;
    return 0;
}

long
sys_ftruncate(int fd, int64_t length)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    if (length < 0)
        return -EINVAL;
    if (!f->vn || !vnode_is_reg(f->vn) || !can_write(f))
        return -EINVAL;
    return vnode_truncate(f->vn, length);
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

    if (!in || !can_read(in))
        return -EBADF;
    if (offset && copy_from_user(&pos, offset, sizeof(pos)) < 0)
        return -EFAULT;
    if (offset && !in->ops->seekable)
        return -ESPIPE;
    if (offset && (int64_t)pos < 0)
        return -EINVAL;
    if (!(out = fd_get(out_fd)) || !can_write(out))
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
    if (!can_read(in) || !can_write(out) || (out->flags & O_APPEND))
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
sys_copy_file_range(int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out, size_t len,
                    unsigned int flags)
{
    struct file *in, *out;
    uint64_t in_pos, out_pos, saved;
    long ret;

    if (flags)
        return -EINVAL;
    if (!(in = fd_get(fd_in)) || !(out = fd_get(fd_out)))
        return -EBADF;
    in_pos = in->pos, out_pos = out->pos;
    if ((off_in && copy_from_user(&in_pos, off_in, 8) < 0) || (off_out && copy_from_user(&out_pos, off_out, 8) < 0))
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
    if (ret >= 0 && ((off_in && copy_to_user(off_in, &in_pos, 8) < 0) || (off_out && copy_to_user(off_out, &out_pos, 8) < 0)))
        return -EFAULT;
    return ret;
}

long
sys_pipe2(int __user *fds, int flags)
{
    struct file *rd, *wr;
    int fd[2];
    long ret;

    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    if ((ret = pipe_create(flags, &rd, &wr)) < 0)
        return ret;
    if ((fd[0] = fd_install(-1, rd, flags & O_CLOEXEC)) < 0) {
        file_put(rd), file_put(wr);
        return fd[0];
    }
    if ((fd[1] = fd_install(-1, wr, flags & O_CLOEXEC)) < 0) {
        fd_close(fd[0]), file_put(wr);
        return fd[1];
    }
    if (copy_to_user(fds, fd, sizeof(fd)) < 0) {
        fd_close(fd[0]), fd_close(fd[1]);
        return -EFAULT;
    }
    return 0;
}

long
sys_pipe(int __user *fds)
{
    return sys_pipe2(fds, 0);
}
