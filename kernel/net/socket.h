// The socket layer: what every address family (AF_UNIX in net/unix*.c,
// AF_INET and AF_INET6 over lwIP in net/inet*.c, AF_NETLINK) gives the
// socket syscalls. A socket is an open file whose priv is a struct sock;
// syscalls/net.c checks the arguments, copies addresses, data and control
// messages between the program and kernel memory, and calls these ops.
// Families block with wait_event() (sched/wait.h), holding nothing but the
// kernel lock, and call file_wake() when their socket becomes more ready.
#pragma once
#include "types.h"
#include "fs/file.h"
#include "net/socket_abi.h"

struct file;

typedef uint16_t sa_family_t;

// The program's address, copied into the kernel; LEN says how much of it
// the program gave (at most sizeof(struct sockaddr_storage)).
struct sockaddr {
    sa_family_t sa_family;
    char sa_data[14];
};

struct sockaddr_storage {
    sa_family_t ss_family;
    char ss_data[126];
} __attribute__((aligned(8)));

// One sendmsg or recvmsg in kernel memory. syscalls/net.c gathers the
// program's iovecs into BUF before a send and scatters BUF back after a
// receive; a stream family may take or give less than LEN.
struct sock_msg {
    void *buf;
    size_t len;
    // send: the destination (NULL when none); receive: where the family
    // writes the source, with NAMELEN its full length (the caller truncates).
    struct sockaddr_storage *name;
    uint32_t namelen;
    // send: the control messages as the program wrote them (struct cmsghdr
    // chain); receive: room for them, CONTROLLEN set to the bytes written.
    void *control;
    size_t controllen;
    // send: the MSG_* flags; receive: in, the MSG_* flags asked for, out,
    // the msg_flags to return (MSG_TRUNC, MSG_CTRUNC, MSG_EOR, MSG_OOB).
    int flags;
};

// Every op is optional: a NULL op gives the errno Linux gives a family
// without it (EOPNOTSUPP for listen/accept, ENOPROTOOPT for options).
// O_NONBLOCK is in f->flags; an op that would block with it set returns
// -EAGAIN, and a blocking op interrupted by a signal returns -ERESTARTSYS
// (or -EINTR where Linux never restarts, as with a timeout set by
// SO_RCVTIMEO/SO_SNDTIMEO).
struct sock_ops {
    long (*bind)(struct file *f, const struct sockaddr_storage *a, uint32_t len);
    long (*connect)(struct file *f, const struct sockaddr_storage *a, uint32_t len);
    long (*listen)(struct file *f, int backlog);
    // A new connected socket; FLAGS holds O_NONBLOCK for it (accept4).
    long (*accept)(struct file *f, uint32_t flags, struct file **out);
    ssize_t (*sendmsg)(struct file *f, struct sock_msg *m);
    ssize_t (*recvmsg)(struct file *f, struct sock_msg *m);
    long (*shutdown)(struct file *f, int how);           // SHUT_RD, SHUT_WR, SHUT_RDWR
    // The socket's own address (PEER false) or its peer's; *LEN set to the
    // address's full length.
    long (*getname)(struct file *f, bool peer, struct sockaddr_storage *a, uint32_t *len);
    // Options the family keeps itself; SOL_SOCKET options every family
    // shares (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_RCVTIMEO...) are
    // net/socket.c's, which asks these for the rest.
    long (*setsockopt)(struct file *f, int level, int name, const void *val, uint32_t len);
    long (*getsockopt)(struct file *f, int level, int name, void *val, uint32_t *len);
    long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);   // FIONREAD, SIOCOUTQ...
    // Added by net/socket.c's author: the file's poll (POLLIN, POLLOUT,
    // POLLHUP, POLLERR, POLLRDHUP that hold now; NULL: always ready) and
    // the last close of the file (the family frees its socket; NULL: kfree).
    uint32_t (*poll)(struct file *f);
    void (*release)(struct file *f);
};

// What the socket file's priv points at; a family embeds it first in its
// own struct.
struct sock {
    const struct sock_ops *ops;
    int domain;             // AF_*
    int type;               // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW
    int protocol;
    int error;              // SO_ERROR, read and cleared
    uint64_t rcvtimeo_ns;   // SO_RCVTIMEO, 0: none
    uint64_t sndtimeo_ns;   // SO_SNDTIMEO, 0: none
    // Added: kept by net/socket.c for every family.
    uint64_t ino;           // socket:[INO] in /proc/self/fd, fstat's st_ino
    uint32_t uid, gid;      // fstat's: the creator's filesystem ids
    uint32_t opts;          // SOCK_OPT_* flags set by setsockopt(SOL_SOCKET)
    int rcvbuf, sndbuf;     // SO_RCVBUF, SO_SNDBUF as Linux keeps them (doubled)
    struct linger_k linger; // SO_LINGER, kept and read back
    int rcvlowat;           // SO_RCVLOWAT, kept and read back
    bool accepting;         // SO_ACCEPTCONN: the family sets it at listen
    // The family's wake-ups of readers and writers for epoll (file_wake).
    struct file_edges edges;
};

// Boolean SOL_SOCKET options net/socket.c keeps (bits of sock.opts).
#define SOCK_OPT_REUSEADDR 0x1
#define SOCK_OPT_KEEPALIVE 0x2
#define SOCK_OPT_BROADCAST 0x4
#define SOCK_OPT_DONTROUTE 0x8
#define SOCK_OPT_OOBINLINE 0x10
#define SOCK_OPT_REUSEPORT 0x20
#define SOCK_OPT_PASSCRED  0x40
#define SOCK_OPT_DEBUG     0x80
#define SOCK_OPT_PASSSEC   0x100

#define SOCK_DEFAULT_BUF 212992    // net.core.[rw]mem_default: 208 KiB

// An address family: socket(2) and socketpair(2) for its DOMAIN. TYPE has
// SOCK_NONBLOCK and SOCK_CLOEXEC taken off; FLAGS is O_NONBLOCK or 0 for the
// new files. Unsupported type or protocol: the errno Linux gives
// (EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPROTOTYPE).
struct net_family {
    int domain;
    long (*create)(int type, int protocol, uint32_t flags, struct file **out);
    long (*pair)(int type, int protocol, uint32_t flags, struct file *out[2]); // NULL: EOPNOTSUPP
};

// The families, registered by net/socket.c's table; NULL when DOMAIN has
// none (socket(2) then gives EAFNOSUPPORT).
const struct net_family *net_family_of(int domain);
// F's socket, or NULL when F is not a socket (the syscalls give ENOTSOCK).
struct sock *sock_of(struct file *f);

// Fill the parts of SK net/socket.c owns (defaults, an inode number) for a
// new socket of DOMAIN, TYPE, PROTOCOL with OPS.
void sock_init(struct sock *sk, const struct sock_ops *ops, int domain, int type, int protocol);
// A new open file (one reference) for SK, O_RDWR plus FLAGS' O_NONBLOCK;
// NULL when out of memory (the caller still owns SK).
struct file *sock_file_new(struct sock *sk, uint32_t flags);

// A blocking op's wait: O_NONBLOCK or MSG_DONTWAIT give -EAGAIN at once,
// SO_RCVTIMEO/SO_SNDTIMEO a deadline (-EAGAIN at it; -EINTR at a signal,
// never restarted), else a signal gives -ERESTARTSYS.
struct sock_waiter {
    uint64_t deadline;
    bool nonblock, timed;
};
void sock_waiter_init(struct sock_waiter *w, struct file *f, int msg_flags, bool sending);
// 0 once READY(ARG), else -EAGAIN, -EINTR or -ERESTARTSYS as above.
long sock_wait(struct sock_waiter *w, bool (*ready)(void *), void *arg);
// A send through F's family; -EPIPE on a stream raises SIGPIPE unless
// M's flags hold MSG_NOSIGNAL (write(2) and the send calls all come here).
ssize_t sock_sendmsg(struct file *f, struct sock_msg *m);
// SOL_SOCKET options (net/socket_opt.c): the shared ones here, the rest the
// family's. VAL is the option in kernel memory, LEN the program's optlen;
// for get, *LEN is the room in, the value's full length out.
long sock_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len);
long sock_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len);
