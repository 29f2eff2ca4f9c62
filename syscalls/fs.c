// File syscalls: argument checks and copies between the program and kernel
// buffers; the work is in kernel/fs. For now the only files are the
// standard streams (the VFS comes with dynamic programs).
#include "types.h"
#include "fs/file.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <asm/stat.h>
#include <linux/stat.h>
#include <linux/uio.h>
#include <linux/limits.h>
#include <linux/poll.h>

#define IO_CHUNK 4096
#define IOV_MAX_LINUX 1024

static bool can_read(struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool can_write(struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

// Copy the program's buffer to F in chunks; a failure after some bytes returns the count.
static ssize_t
write_from_user(struct file *f, const char __user *buf, size_t count)
{
    char chunk[IO_CHUNK];
    size_t done = 0;

    while (done < count) {
        size_t n = MIN(count - done, sizeof(chunk));
        ssize_t w;
        if (copy_from_user(chunk, buf + done, n) < 0)
            return done ? (ssize_t)done : -EFAULT;
        w = f->ops->write(f, chunk, n);
        if (w < 0)
            return done ? (ssize_t)done : w;
        done += w;
        if ((size_t)w < n)
            break;
    }
    return done;
}

// One read from F into the program's buffer. A short read is returned as is,
// as pipes and terminals do; the VFS will read files in larger pieces.
static ssize_t
read_to_user(struct file *f, char __user *buf, size_t count)
{
    char chunk[IO_CHUNK];
    ssize_t r = f->ops->read(f, chunk, MIN(count, sizeof(chunk)));

    if (r > 0 && copy_to_user(buf, chunk, r) < 0)
        return -EFAULT;
    return r;
}

long
sys_write(int fd, const char __user *buf, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !can_write(f))
        return -EBADF;
    if (count == 0)
        return 0;
    return write_from_user(f, buf, MIN(count, 0x7ffff000));   // Linux's MAX_RW_COUNT
}

long
sys_read(int fd, char __user *buf, size_t count)
{
    struct file *f = fd_get(fd);

    if (!f || !can_read(f))
        return -EBADF;
    if (count == 0)
        return 0;
    return read_to_user(f, buf, MIN(count, 0x7ffff000));
}

// Copy and check an iovec array: EINVAL for a bad count or a total over ssize_t.
static long
iov_from_user(const struct iovec __user *uiov, int iovcnt, struct iovec **out)
{
    struct iovec *iov;
    size_t total = 0;

    if (iovcnt < 0 || iovcnt > IOV_MAX_LINUX)
        return -EINVAL;
    if (!(iov = kmalloc(sizeof(*iov) * (iovcnt ? iovcnt : 1))))
        return -ENOMEM;
    if (copy_from_user(iov, uiov, sizeof(*iov) * iovcnt) < 0) {
        kfree(iov);
        return -EFAULT;
    }
    for (int i = 0; i < iovcnt; i++) {
        if ((ssize_t)iov[i].iov_len < 0 || (total += iov[i].iov_len) > 0x7fffffffffffffffull) {
            kfree(iov);
            return -EINVAL;
        }
    }
    *out = iov;
    return 0;
}

long
sys_writev(int fd, const struct iovec __user *uiov, int iovcnt)
{
    struct file *f = fd_get(fd);
    struct iovec *iov;
    ssize_t total = 0;
    long ret;

    if (!f || !can_write(f))
        return -EBADF;
    if ((ret = iov_from_user(uiov, iovcnt, &iov)) < 0)
        return ret;
    for (int i = 0; i < iovcnt; i++) {
        ssize_t w = iov[i].iov_len ? write_from_user(f, iov[i].iov_base, iov[i].iov_len) : 0;
        if (w < 0) {
            total = total ? total : w;
            break;
        }
        total += w;
        if ((size_t)w < iov[i].iov_len)
            break;
    }
    kfree(iov);
    return total;
}

long
sys_readv(int fd, const struct iovec __user *uiov, int iovcnt)
{
    struct file *f = fd_get(fd);
    struct iovec *iov;
    ssize_t total = 0;
    long ret;

    if (!f || !can_read(f))
        return -EBADF;
    if ((ret = iov_from_user(uiov, iovcnt, &iov)) < 0)
        return ret;
    for (int i = 0; i < iovcnt; i++) {
        ssize_t r = iov[i].iov_len ? read_to_user(f, iov[i].iov_base, iov[i].iov_len) : 0;
        if (r < 0) {
            total = total ? total : r;
            break;
        }
        total += r;
        if ((size_t)r < iov[i].iov_len)
            break;
    }
    kfree(iov);
    return total;
}

long
sys_close(int fd)
{
    return fd_close(fd);
}

long
sys_lseek(int fd, off_t offset, int whence)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    return -ESPIPE;   // the standard streams are terminals or pipes
}

long
sys_ioctl(int fd, unsigned int cmd, unsigned long arg)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

long
sys_fstat(int fd, struct stat __user *ust)
{
    struct file *f = fd_get(fd);
    struct stat st;
    long ret;

    if (!f)
        return -EBADF;
    if ((ret = f->ops->stat(f, &st)) < 0)
        return ret;
    return copy_to_user(ust, &st, sizeof(st));
}

long
sys_newfstatat(int dirfd, const char __user *upath, struct stat __user *ust, int flags)
{
    char path[PATH_MAX];
    long ret;

    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    if ((ret = strncpy_from_user(path, upath, sizeof(path))) < 0)
        return ret;
    if (path[0] == 0 && (flags & AT_EMPTY_PATH))
        return sys_fstat(dirfd, ust);
    if (path[0] == 0)
        return -ENOENT;
    return -ENOENT;   // no filesystem yet
}

// readlinkat(2): only /proc/self/exe exists so far.
long
sys_readlinkat(int dirfd, const char __user *upath, char __user *buf, int bufsiz)
{
    char path[PATH_MAX];
    const char *target = current_proc()->exe_path;
    long ret;

    if ((ret = strncpy_from_user(path, upath, sizeof(path))) < 0)
        return ret;
    if (bufsiz <= 0)
        return -EINVAL;
    if (strcmp(path, "/proc/self/exe") && strcmp(path, "/proc/2/exe"))
        return -ENOENT;
    size_t n = MIN(strlen(target), (size_t)bufsiz);
    if (copy_to_user(buf, target, n) < 0)
        return -EFAULT;
    return n;
}

long
sys_readlink(const char __user *upath, char __user *buf, int bufsiz)
{
    return sys_readlinkat(AT_FDCWD, upath, buf, bufsiz);
}

long
sys_fcntl(int fd, int cmd, unsigned long arg)
{
    struct file *f = fd_get(fd);
    struct fd_table *t = current_proc()->fds;
    const uint32_t settable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | FASYNC;

    if (!f)
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
    case F_DUPFD_CLOEXEC: {
        struct fd_table *tab = t;
        if (arg >= FD_MAX)
            return -EINVAL;
        for (int n = arg; n < FD_MAX; n++)
            if (!tab->files[n])
                return fd_install(n, file_get(f), cmd == F_DUPFD_CLOEXEC);
        return -EMFILE;
    }
    default:
        return -EINVAL;
    }
}

long
sys_dup(int oldfd)
{
    struct file *f = fd_get(oldfd);
    int fd;

    if (!f)
        return -EBADF;
    fd = fd_install(-1, file_get(f), false);
    if (fd < 0)
        file_put(f);
    return fd;
}

long
sys_dup3(int oldfd, int newfd, int flags)
{
    struct file *f = fd_get(oldfd);

    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    if (!f)
        return -EBADF;
    if (newfd < 0 || newfd >= FD_MAX)
        return -EBADF;
    return fd_install(newfd, file_get(f), flags & O_CLOEXEC);
}

long
sys_dup2(int oldfd, int newfd)
{
    if (oldfd == newfd)
        return fd_get(oldfd) ? newfd : -EBADF;
    return sys_dup3(oldfd, newfd, 0);
}

// poll(2) on the standard streams: output is always writable; input is
// readable when a byte has arrived. LINUX-DIFF: never waits (no timers yet).
long
sys_poll(struct pollfd __user *ufds, unsigned int nfds, int timeout)
{
    struct pollfd pfd;
    long ready = 0;

    if (nfds > FD_MAX)
        return -EINVAL;
    for (unsigned int i = 0; i < nfds; i++) {
        if (copy_from_user(&pfd, &ufds[i], sizeof(pfd)) < 0)
            return -EFAULT;
        pfd.revents = 0;
        if (pfd.fd >= 0) {
            struct file *f = fd_get(pfd.fd);
            if (!f)
                pfd.revents = POLLNVAL;
            else
                pfd.revents = f->ops->poll(f) & (pfd.events | POLLERR | POLLHUP);
        }
        if (pfd.revents)
            ready++;
        if (copy_to_user(&ufds[i], &pfd, sizeof(pfd)) < 0)
            return -EFAULT;
    }
    return ready;
}

long
sys_umask(int mask)
{
    struct proc *p = current_proc();
    int old = p->umask;

    p->umask = mask & 0777;
    return old;
}

long
sys_getcwd(char __user *buf, size_t size)
{
    const char *cwd = current_proc()->cwd;
    size_t len = strlen(cwd) + 1;

    if (size < len)
        return -ERANGE;
    if (copy_to_user(buf, cwd, len) < 0)
        return -EFAULT;
    return len;
}
