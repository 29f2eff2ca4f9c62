// The socket syscalls that make, name and connect sockets and set their
// options: they check arguments in Linux's order (descriptor, then lengths
// and flags, then memory), copy addresses and options, and call the
// family's ops (net/socket.h). Moving data is net_msg.c's.
#include "types.h"
#include "syscalls.h"
#include "syscalls/net.h"
#include "net/socket.h"
#include "fs/file.h"
#include "sched/proc.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>

#define OPT_MAX 256              // the largest option value copied in or out

long
net_sock_fd(int fd, struct file **out)
{
    struct file *f = fd_get(fd);

    if (!f)
        return -EBADF;
    if (!sock_of(f))
        return -ENOTSOCK;
    *out = f;
    return 0;
}

long
net_addr_in(const void __user *uaddr, int len, struct sockaddr_storage *a)
{
    if (len < 0 || len > (int)sizeof(*a))
        return -EINVAL;
    memset(a, 0, sizeof(*a));
    if (len && copy_from_user(a, uaddr, len) < 0)
        return -EFAULT;
    return 0;
}

long
net_addr_out(const struct sockaddr_storage *a, uint32_t klen, void __user *uaddr, int __user *ulen)
{
    int len;

    if (copy_from_user(&len, ulen, sizeof(len)) < 0)
        return -EFAULT;
    if (len > (int)klen)
        len = klen;
    if (len < 0)
        return -EINVAL;
    if (len && copy_to_user(uaddr, a, len) < 0)
        return -EFAULT;
    return copy_to_user(ulen, &klen, sizeof(klen));
}

// socket(2) and socketpair(2)'s TYPE: the kind, and O_NONBLOCK/O_CLOEXEC.
static long
split_type(int type, int *kind, uint32_t *flags)
{
    int extra = type & ~SOCK_TYPE_MASK;

    if (extra & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    *kind = type & SOCK_TYPE_MASK;
    *flags = extra;
    return 0;
}

static long
find_family(int domain, int kind, const struct net_family **out)
{
    if (domain < 0 || domain >= AF_MAX)
        return -EAFNOSUPPORT;
    if (kind < 0 || kind >= SOCK_MAX)
        return -EINVAL;
    *out = net_family_of(domain);
    return *out ? 0 : -EAFNOSUPPORT;
}

long
sys_socket(int domain, int type, int protocol)
{
    const struct net_family *fam;
    struct file *f;
    uint32_t flags;
    int kind;
    long ret;

    if ((ret = split_type(type, &kind, &flags)) < 0 || (ret = find_family(domain, kind, &fam)) < 0)
        return ret;
    if ((ret = fam->create(kind, protocol, flags & O_NONBLOCK, &f)) < 0)
        return ret;
    ret = fd_install(-1, f, flags & O_CLOEXEC);
    if (ret < 0)
        file_put(f);
    return ret;
}

// Two new descriptors for the pair, or -EMFILE with both files put.
static long
install_pair(struct file *f[2], bool cloexec, int fds[2])
{
    if ((fds[0] = fd_install(-1, f[0], cloexec)) < 0) {
        file_put(f[0]), file_put(f[1]);
        return -EMFILE;
    }
    if ((fds[1] = fd_install(-1, f[1], cloexec)) < 0) {
        fd_close(fds[0]);
        file_put(f[1]);
        return -EMFILE;
    }
    return 0;
}

// Linux writes the two numbers before it makes the sockets: EFAULT first.
long
sys_socketpair(int domain, int type, int protocol, int __user *sv)
{
    const struct net_family *fam;
    struct file *f[2];
    int fds[2] = { -1, -1 }, kind;
    uint32_t flags;
    long ret;

    if ((ret = split_type(type, &kind, &flags)) < 0)
        return ret;
    if (copy_to_user(sv, fds, sizeof(fds)) < 0)
        return -EFAULT;
    if ((ret = find_family(domain, kind, &fam)) < 0)
        return ret;
    if (!fam->pair)
        return -EOPNOTSUPP;
    if ((ret = fam->pair(kind, protocol, flags & O_NONBLOCK, f)) < 0)
        return ret;
    if ((ret = install_pair(f, flags & O_CLOEXEC, fds)) < 0)
        return ret;
    return copy_to_user(sv, fds, sizeof(fds));
}

long
sys_bind(int fd, const void __user *uaddr, int addrlen)
{
    struct sockaddr_storage a;
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0 || (ret = net_addr_in(uaddr, addrlen, &a)) < 0)
        return ret;
    return sock_of(f)->ops->bind ? sock_of(f)->ops->bind(f, &a, addrlen) : -EOPNOTSUPP;
}

long
sys_connect(int fd, const void __user *uaddr, int addrlen)
{
    struct sockaddr_storage a;
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0 || (ret = net_addr_in(uaddr, addrlen, &a)) < 0)
        return ret;
    if (!sock_of(f)->ops->connect)
        return -EOPNOTSUPP;
    file_get(f);                 // it may wait: keep the file whatever happens to FD
    ret = sock_of(f)->ops->connect(f, &a, addrlen);
    file_put(f);
    return ret;
}

// Linux caps the backlog at net.core.somaxconn.
long
sys_listen(int fd, int backlog)
{
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    if ((unsigned int)backlog > SOMAXCONN)
        backlog = SOMAXCONN;
    return sock_of(f)->ops->listen ? sock_of(f)->ops->listen(f, backlog) : -EOPNOTSUPP;
}

// The peer's address out of a new connection; a failure loses it, as on Linux.
static long
accept_name(struct file *nf, void __user *uaddr, int __user *ulen)
{
    struct sockaddr_storage a;
    uint32_t klen = 0;

    memset(&a, 0, sizeof(a));
    if (sock_of(nf)->ops->getname && sock_of(nf)->ops->getname(nf, true, &a, &klen) < 0)
        return -ECONNABORTED;
    return net_addr_out(&a, klen, uaddr, ulen);
}

// Linux reserves the new descriptor before it waits: a full table is
// EMFILE and leaves the connection queued. Its order: EBADF, EINVAL, EMFILE, ENOTSOCK.
static bool
has_free_fd(void)
{
    struct fd_table *t = current_proc()->fds;

    for (int i = 0; i < FD_MAX; i++)
        if (!t->files[i])
            return true;
    return false;
}

long
sys_accept4(int fd, void __user *uaddr, int __user *ulen, int flags)
{
    struct file *f, *nf;
    long ret;

    if (!fd_get(fd))
        return -EBADF;
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    if (!has_free_fd())
        return -EMFILE;
    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    if (!sock_of(f)->ops->accept)
        return -EOPNOTSUPP;
    file_get(f);
    ret = sock_of(f)->ops->accept(f, flags & O_NONBLOCK, &nf);
    file_put(f);
    if (ret < 0)
        return ret;
    if (uaddr && (ret = accept_name(nf, uaddr, ulen)) < 0) {
        file_put(nf);
        return ret;
    }
    ret = fd_install(-1, nf, flags & O_CLOEXEC);
    if (ret < 0)
        file_put(nf);
    return ret;
}

long
sys_accept(int fd, void __user *uaddr, int __user *ulen)
{
    return sys_accept4(fd, uaddr, ulen, 0);
}

static long
get_name(int fd, bool peer, void __user *uaddr, int __user *ulen)
{
    struct sockaddr_storage a;
    uint32_t klen = 0;
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    memset(&a, 0, sizeof(a));
    if (!sock_of(f)->ops->getname)
        return -EOPNOTSUPP;
    if ((ret = sock_of(f)->ops->getname(f, peer, &a, &klen)) < 0)
        return ret;
    return net_addr_out(&a, klen, uaddr, ulen);
}

long
sys_getsockname(int fd, void __user *uaddr, int __user *ulen)
{
    return get_name(fd, false, uaddr, ulen);
}

long
sys_getpeername(int fd, void __user *uaddr, int __user *ulen)
{
    return get_name(fd, true, uaddr, ulen);
}

long
sys_shutdown(int fd, int how)
{
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    return sock_of(f)->ops->shutdown ? sock_of(f)->ops->shutdown(f, how) : -EOPNOTSUPP;
}

long
sys_setsockopt(int fd, int level, int optname, const void __user *optval, int optlen)
{
    char val[OPT_MAX];
    struct file *f;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    if (optlen < 0)
        return -EINVAL;
    memset(val, 0, sizeof(val));
    if (optlen && copy_from_user(val, optval, MIN((size_t)optlen, sizeof(val))) < 0)
        return -EFAULT;
    return sock_setsockopt(f, level, optname, val, optlen);
}

long
sys_getsockopt(int fd, int level, int optname, void __user *optval, int __user *optlen)
{
    char val[OPT_MAX];
    struct file *f;
    uint32_t klen;
    int len;
    long ret;

    if ((ret = net_sock_fd(fd, &f)) < 0)
        return ret;
    if (copy_from_user(&len, optlen, sizeof(len)) < 0)
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    memset(val, 0, sizeof(val));
    klen = MIN((uint32_t)len, sizeof(val));
    if ((ret = sock_getsockopt(f, level, optname, val, &klen)) < 0)
        return ret;
    len = MIN((uint32_t)len, klen);
    if (len && copy_to_user(optval, val, len) < 0)
        return -EFAULT;
    return copy_to_user(optlen, &len, sizeof(len));
}
