// The socket syscalls that move data: sendto, recvfrom, sendmsg, recvmsg,
// sendmmsg and recvmmsg. The program's iovecs are gathered into a kernel
// buffer before a send and scattered from one after a receive; names and
// control messages are copied in and out with Linux's truncation rules.
#include "types.h"
#include "syscalls.h"
#include "syscalls/net.h"
#include "net/socket.h"
#include "fs/file.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/uio.h>

#define SEND_CHUNK  (64 * 1024)      // a stream send goes to the family in pieces this big
#define MSG_MAX     (4 * 1024 * 1024)   // the largest datagram gathered whole
#define RECV_MAX    (256 * 1024)     // the most one receive returns
#define CONTROL_MAX 131072           // net.core.optmem_max (Linux 6.9 on): more is ENOBUFS
#define USER_TOP    0x7ffffffff000ull

// A msghdr copied in: the iovecs, their total, the name and control sizes.
struct msg_io {
    struct iovec *iov;
    size_t iovcnt, total;
    void __user *uname;
    int namelen;
    void __user *ucontrol;
    size_t controllen;
};

static long
iov_in(struct msg_io *io, const struct iovec __user *uiov, size_t cnt)
{
    if (cnt > UIO_MAXIOV)
        return -EMSGSIZE;
    io->iovcnt = cnt;
    io->total = 0;
    if (!(io->iov = kmalloc(sizeof(struct iovec) * (cnt ? cnt : 1))))
        return -ENOMEM;
    if (cnt && copy_from_user(io->iov, uiov, sizeof(struct iovec) * cnt) < 0)
        return -EFAULT;
    for (size_t i = 0; i < cnt; i++) {
        if ((int64_t)io->iov[i].iov_len < 0)
            return -EINVAL;
        if (io->iov[i].iov_len > MAX_RW_COUNT - io->total)
            io->iov[i].iov_len = MAX_RW_COUNT - io->total;
        io->total += io->iov[i].iov_len;
    }
    return 0;
}

// copy_msghdr_from_user: the header, its name length and its iovecs.
static long
msghdr_in(const struct user_msghdr __user *uh, struct msg_io *io)
{
    struct user_msghdr h;

    io->iov = NULL;
    if (copy_from_user(&h, uh, sizeof(h)) < 0)
        return -EFAULT;
    io->uname = h.msg_name;
    io->namelen = h.msg_name ? h.msg_namelen : 0;
    if (io->namelen < 0)
        return -EINVAL;
    if (io->namelen > (int)sizeof(struct sockaddr_storage))
        io->namelen = sizeof(struct sockaddr_storage);
    io->ucontrol = h.msg_control;
    io->controllen = h.msg_controllen;
    return iov_in(io, h.msg_iov, h.msg_iovlen);
}

// Copy N bytes at offset OFF of the iovecs into BUF (TO_USER false) or out of it.
static long
iov_copy(struct msg_io *io, size_t off, void *buf, size_t n, bool to_user)
{
    for (size_t i = 0; i < io->iovcnt && n; i++) {
        struct iovec *v = &io->iov[i];
        size_t len;
        if (off >= v->iov_len) {
            off -= v->iov_len;
            continue;
        }
        len = MIN(n, v->iov_len - off);
        char __user *u = (char __user *)v->iov_base + off;
        if ((to_user ? copy_to_user(u, buf, len) : copy_from_user(buf, u, len)) < 0)
            return -EFAULT;
        buf = (char *)buf + len, n -= len, off = 0;
    }
    return 0;
}

// Send the iovecs' bytes with M (name, control, flags set): a datagram
// whole, a stream in pieces until one is taken short.
static ssize_t
send_io(struct file *f, struct msg_io *io, struct sock_msg *m)
{
    bool stream = sock_of(f)->type == SOCK_STREAM;
    size_t step = stream ? MIN(io->total, SEND_CHUNK) : io->total, done = 0;
    ssize_t ret = 0;

    if (!stream && io->total > MSG_MAX)
        return -EMSGSIZE;
    if (!(m->buf = kmalloc(step ? step : 1)))
        return -ENOMEM;
    do {
        m->len = MIN(step, io->total - done);
        if (iov_copy(io, done, m->buf, m->len, false) < 0) {
            ret = -EFAULT;
            break;
        }
        if ((ret = sock_sendmsg(f, m)) < 0)
            break;
        done += ret;
        m->control = NULL, m->controllen = 0;    // the control goes with the first piece
    } while (stream && (size_t)ret == m->len && done < io->total);
    kfree(m->buf);
    return done ? (ssize_t)done : ret;
}

// Send with the name and control the program gave; flags as the call's.
static ssize_t
send_common(struct file *f, struct msg_io *io, int flags)
{
    struct sockaddr_storage name;
    struct sock_msg m = { .flags = flags };
    ssize_t ret;

    if (io->namelen) {
        if ((ret = net_addr_in(io->uname, io->namelen, &name)) < 0)
            return ret;
        m.name = &name, m.namelen = io->namelen;
    }
    if (io->controllen > CONTROL_MAX)
        return -ENOBUFS;
    if (io->controllen) {
        if (!(m.control = kmalloc(io->controllen)))
            return -ENOBUFS;
        if (copy_from_user(m.control, io->ucontrol, io->controllen) < 0) {
            kfree(m.control);
            return -EFAULT;
        }
        m.controllen = io->controllen;
    }
    void *control = m.control;
    if (f->flags & O_NONBLOCK)
        m.flags |= MSG_DONTWAIT;
    file_get(f);
    ret = send_io(f, io, &m);
    file_put(f);
    kfree(control);
    return ret;
}

long
sys_sendto(int fd, const void __user *buf, size_t len, int flags, const void __user *uaddr,
           int addrlen)
{
    struct iovec v = { (void __user *)buf, MIN(len, 0x7fffffffu) };
    struct msg_io io = { .iov = &v, .iovcnt = 1, .total = v.iov_len };
    struct file *f;
    long ret;

    if ((uint64_t)buf + v.iov_len > USER_TOP || (uint64_t)buf + v.iov_len < (uint64_t)buf)
        return -EFAULT;
    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    if (uaddr) {
        if (addrlen < 0 || addrlen > (int)sizeof(struct sockaddr_storage))
            return -EINVAL;
        io.uname = (void __user *)uaddr, io.namelen = addrlen;
    }
    return send_common(f, &io, flags);
}

static long
sendmsg_one(struct file *f, const struct user_msghdr __user *uh, int flags)
{
    struct msg_io io;
    long ret = msghdr_in(uh, &io);

    if (ret == 0 && io.controllen > 0x7fffffff)
        ret = -ENOBUFS;
    if (ret == 0)
        ret = send_common(f, &io, flags);
    kfree(io.iov);
    return ret;
}

long
sys_sendmsg(int fd, const struct user_msghdr __user *msg, int flags)
{
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    return sendmsg_one(f, msg, flags);
}

// Receive into the iovecs; M's name and control set by the caller. The
// count returned may exceed the bytes copied (a datagram with MSG_TRUNC).
static ssize_t
recv_io(struct file *f, struct msg_io *io, struct sock_msg *m)
{
    struct sock *sk = sock_of(f);
    size_t room = MIN(io->total, RECV_MAX);
    ssize_t ret;

    if (!sk->ops->recvmsg)
        return -EOPNOTSUPP;
    if (f->flags & O_NONBLOCK)
        m->flags |= MSG_DONTWAIT;
    if (!(m->buf = kmalloc(room ? room : 1)))
        return -ENOMEM;
    m->len = room;
    file_get(f);
    ret = sk->ops->recvmsg(f, m);
    file_put(f);
    if (ret > 0 && iov_copy(io, 0, m->buf, MIN((size_t)ret, room), true) < 0)
        ret = -EFAULT;
    kfree(m->buf);
    return ret;
}

long
sys_recvfrom(int fd, void __user *buf, size_t len, int flags, void __user *uaddr,
             int __user *addrlen)
{
    struct iovec v = { buf, MIN(len, 0x7fffffffu) };
    struct msg_io io = { .iov = &v, .iovcnt = 1, .total = v.iov_len };
    struct sockaddr_storage name;
    struct sock_msg m = { .name = &name, .flags = flags };
    struct file *f;
    long ret, err;

    if ((uint64_t)buf + v.iov_len > USER_TOP || (uint64_t)buf + v.iov_len < (uint64_t)buf)
        return -EFAULT;
    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    memset(&name, 0, sizeof(name));
    ret = recv_io(f, &io, &m);
    if (ret >= 0 && uaddr && (err = net_addr_out(&name, m.namelen, uaddr, addrlen)) < 0)
        ret = err;
    return ret;
}

// What recvmsg writes back: the name, the control bytes, their length, the flags.
static long
recvmsg_out(struct msg_io *io, struct sock_msg *m, struct user_msghdr __user *uh)
{
    uint64_t clen = m->controllen;
    unsigned int flags = m->flags;
    long ret;

    if (io->uname && (ret = net_addr_out(m->name, m->namelen, io->uname, &uh->msg_namelen)) < 0)
        return ret;
    if (clen && copy_to_user(io->ucontrol, m->control, clen) < 0)
        return -EFAULT;
    if (copy_to_user(&uh->msg_controllen, &clen, sizeof(clen)) < 0 ||
        copy_to_user(&uh->msg_flags, &flags, sizeof(flags)) < 0)
        return -EFAULT;
    return 0;
}

static long
recvmsg_one(struct file *f, struct user_msghdr __user *uh, int flags)
{
    struct sockaddr_storage name;
    struct sock_msg m = { .name = &name, .flags = flags };
    struct msg_io io;
    long ret = msghdr_in(uh, &io), err;

    memset(&name, 0, sizeof(name));
    if (ret == 0 && io.controllen) {
        m.controllen = MIN(io.controllen, (size_t)CONTROL_MAX);
        if (!(m.control = kzalloc(m.controllen)))
            ret = -ENOMEM;
    }
    if (ret == 0)
        ret = recv_io(f, &io, &m);
    if (ret >= 0) {
        m.flags |= flags & MSG_CMSG_CLOEXEC;    // Linux hands it back in msg_flags
        if ((err = recvmsg_out(&io, &m, uh)) < 0)
            ret = err;
    }
    kfree(m.control);
    kfree(io.iov);
    return ret;
}

long
sys_recvmsg(int fd, struct user_msghdr __user *msg, int flags)
{
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    return recvmsg_one(f, msg, flags);
}

// sendmmsg(2): each message in turn; an error after the first ends the
// batch with the count sent.
long
sys_sendmmsg(int fd, struct mmsghdr_k __user *vec, unsigned int vlen, int flags)
{
    struct file *f;
    unsigned int i;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    vlen = MIN(vlen, (unsigned int)UIO_MAXIOV);
    for (i = 0; i < vlen; i++) {
        unsigned int n;
        if ((ret = sendmsg_one(f, &vec[i].msg_hdr, flags)) < 0)
            break;
        n = ret;
        if (copy_to_user(&vec[i].msg_len, &n, sizeof(n)) < 0) {
            ret = -EFAULT;
            break;
        }
    }
    return i ? (long)i : ret;
}

// recvmmsg(2); LINUX-DIFF: the timeout is not applied (each receive waits
// as recvmsg would); MSG_WAITFORONE makes the receives after the first
// non-blocking, as on Linux.
long
sys_recvmmsg(int fd, struct mmsghdr_k __user *vec, unsigned int vlen, int flags,
             void __user *timeout)
{
    struct file *f;
    unsigned int i;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    vlen = MIN(vlen, (unsigned int)UIO_MAXIOV);
    for (i = 0; i < vlen; i++) {
        unsigned int n;
        if ((ret = recvmsg_one(f, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE)) < 0)
            break;
        n = ret;
        if (copy_to_user(&vec[i].msg_len, &n, sizeof(n)) < 0) {
            ret = -EFAULT;
            break;
        }
        if (flags & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
    }
    return i ? (long)i : ret;
}

// read(2), write(2), readv(2) and writev(2) on a socket: a receive or send
// of the whole buffer with no name and no flags, so a datagram keeps its
// boundary (fs_rw.c's page-sized pieces would cut it).
static long
sock_rw(struct file *f, struct msg_io *io, bool write)
{
    struct sockaddr_storage name;
    struct sock_msg m = { .name = &name };

    if (write)
        return send_common(f, io, 0);
    if (io->total == 0)
        return 0;                // sock_read_iter: "Match SYS5 behaviour"
    return recv_io(f, io, &m);
}

long
net_sock_rw(struct file *f, void __user *buf, size_t count, bool write)
{
    struct iovec v = { buf, MIN(count, MAX_RW_COUNT) };
    struct msg_io io = { .iov = &v, .iovcnt = 1, .total = v.iov_len };

    return sock_rw(f, &io, write);
}

long
net_sock_rwv(struct file *f, const struct iovec __user *uiov, int iovcnt, bool write)
{
    struct msg_io io = { 0 };
    long ret;

    if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
        return -EINVAL;
    if ((ret = iov_in(&io, uiov, iovcnt)) == 0)
        ret = sock_rw(f, &io, write);
    kfree(io.iov);
    return ret;
}
