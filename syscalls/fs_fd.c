// The descriptor table and what a descriptor holds besides bytes: close,
// dup, fcntl (flags and record locks), flock, ioctl, fsync, fadvise,
// ftruncate, fallocate, and pipes. Locks live on the node (kernel/fs/lock.c).
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "fs/file.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "fs/vfs.h"
#include "fs/pipe.h"
#include "fs/lock.h"
#include "mm/uaccess.h"
#include "sched/proc.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/close_range.h>
#include <linux/falloc.h>
#include <linux/stat.h>
#include <asm/stat.h>
#include <asm/ioctls.h>

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
    case FIONCLEX: current_proc()->fds->cloexec[fd] = cmd == FIOCLEX; return 0;
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
    if (!get && ((fl->l_type == F_RDLCK && !file_can_read(f)) ||
                 (fl->l_type == F_WRLCK && !file_can_write(f))))
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
lock_wait(struct file *f, const struct file_lock *req,
          long (*set)(struct vnode *, const struct file_lock *))
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
    case F_GETFD: return t->cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD: t->cloexec[fd] = arg & FD_CLOEXEC; return 0;
    case F_GETFL: return f->flags;
    case F_SETFL: f->flags = (f->flags & ~settable) | (arg & settable); return 0;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return arg >= FD_MAX ? -EINVAL : dup_to_lowest(f, arg, cmd == F_DUPFD_CLOEXEC);
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: return lock_cmd(f, cmd, arg);
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ: return f->vn ? -EBADF : 65536;
    case F_ADD_SEALS:
    case F_GET_SEALS: return cmd == F_GET_SEALS ? 0 : -EINVAL;
    default: return -EINVAL;
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

long
sys_fdatasync(int fd)
{
    return sys_fsync(fd);
}

long
sys_sync(void)
{
    return 0;
}

// noipa: its body is xattr.c's fd_check, and LTO would fold the two into
// one symbol, which the table-vs-kernel check reads as a missing handler.
__attribute__((noipa)) long sys_syncfs(int fd);

long
sys_syncfs(int fd)
{
    return fd_get(fd) ? 0 : -EBADF;   // memory is the storage
}

// Linux 6.18's order: the descriptor, the flags, the range, then the kind of
// file (regular files, directories and links have pages to write; others ESPIPE).
long
sys_sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags)
{
    const unsigned int valid =
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    struct file *f = fd_get(fd);
    uint64_t end = (uint64_t)offset + (uint64_t)nbytes;

    if (!f)
        return -EBADF;
    if (flags & ~valid)
        return -EINVAL;
    if (offset < 0 || (int64_t)end < 0 || end < (uint64_t)offset)
        return -EINVAL;
    if (!f->vn || f->vn->fops || f->vn->generate)
        return -ESPIPE;
    return 0;
}

// readahead(2): the pages of a memory-backed file are always there; only
// the checks remain (a regular file open for reading).
long
sys_readahead(int fd, int64_t offset, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !file_can_read(f))
        return -EBADF;
    if (!f->vn || !vnode_is_reg(f->vn))
        return -EINVAL;
    return 0;
}

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
    if (!f->vn || !vnode_is_reg(f->vn) || !file_can_write(f))
        return -EINVAL;
    return vnode_truncate(f->vn, length);
}

// The file type of F (S_IFMT bits): its node's, or what its own stat says.
__after_boot static uint32_t
file_type(struct file *f)
{
    struct stat st = { 0 };

    if (f->vn)
        return f->vn->mode & S_IFMT;
    if (f->ops->stat)
        f->ops->stat(f, &st);
    return st.st_mode & S_IFMT;
}

#define FALLOC_MODES                                                                               \
    (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE |                       \
     FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)

// The checks of Linux's vfs_fallocate on MODE alone, in its order.
__after_boot static long
fallocate_mode_check(int mode)
{
    if (mode & ~FALLOC_MODES)
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_COLLAPSE_RANGE) && (mode & ~FALLOC_FL_COLLAPSE_RANGE))
        return -EINVAL;
    if ((mode & FALLOC_FL_INSERT_RANGE) && (mode & ~FALLOC_FL_INSERT_RANGE))
        return -EINVAL;
    if ((mode & FALLOC_FL_UNSHARE_RANGE) &&
        (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)))
        return -EINVAL;
    return 0;
}

// fallocate(2): allocation (mode 0, FALLOC_FL_KEEP_SIZE), as posix_fallocate
// and PostgreSQL's POSIX shared memory use it, and punching holes
// (PUNCH_HOLE|KEEP_SIZE), which frees pages as on tmpfs.
// LINUX-DIFF: the range modes (zero, collapse, insert, unshare) are
// EOPNOTSUPP, as on a filesystem without them.
__after_boot long
sys_fallocate(int fd, int mode, int64_t offset, int64_t len)
{
    struct file *f = fd_get(fd);
    uint32_t type;
    long ret;

    if (!f)
        return -EBADF;
    if (offset < 0 || len <= 0)
        return -EINVAL;
    if ((ret = fallocate_mode_check(mode)) < 0)
        return ret;
    if (!file_can_write(f))
        return -EBADF;
    if ((type = file_type(f)) == S_IFIFO)
        return -ESPIPE;
    if (type == S_IFDIR)
        return -EISDIR;
    if (type != S_IFREG || !f->vn)
        return -ENODEV;
    if ((uint64_t)offset + len > VFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
        return vnode_punch_hole(f->vn, offset, len);
    if (mode & ~FALLOC_FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    return vnode_allocate(f->vn, offset, len, mode & FALLOC_FL_KEEP_SIZE);
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
