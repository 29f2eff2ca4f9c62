// The socket ABI constants and structs that live in libc's headers, not in
// the Linux UAPI ones the kernel sees (bits/socket.h, bits/socket_type.h):
// as Linux's include/linux/socket.h and net.h define them for x86-64.
#pragma once
#include "types.h"
#include <asm-generic/socket.h>
#include <linux/fcntl.h>

#define AF_UNSPEC  0
#define AF_UNIX    1
#define AF_INET    2
#define AF_INET6   10
#define AF_NETLINK 16
#define AF_MAX     46           // Linux 6.1's NPROTO

#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_RDM       4
#define SOCK_SEQPACKET 5
#define SOCK_DCCP      6
#define SOCK_PACKET    10
#define SOCK_MAX       11
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  O_NONBLOCK
#define SOCK_CLOEXEC   O_CLOEXEC

#define MSG_OOB          0x1
#define MSG_PEEK         0x2
#define MSG_DONTROUTE    0x4
#define MSG_CTRUNC       0x8
#define MSG_TRUNC        0x20
#define MSG_DONTWAIT     0x40
#define MSG_EOR          0x80
#define MSG_WAITALL      0x100
#define MSG_NOSIGNAL     0x4000
#define MSG_MORE         0x8000
#define MSG_WAITFORONE   0x10000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD   0
#define SHUT_WR   1
#define SHUT_RDWR 2

#define SCM_RIGHTS      1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD      253

#define SOMAXCONN 4096    // net.core.somaxconn since Linux 5.4

struct user_msghdr {
    void __user *msg_name;
    int msg_namelen;
    struct iovec __user *msg_iov;
    size_t msg_iovlen;
    void __user *msg_control;
    size_t msg_controllen;
    unsigned int msg_flags;
};

struct mmsghdr_k {               // struct mmsghdr
    struct user_msghdr msg_hdr;
    unsigned int msg_len;
};

struct cmsghdr {
    size_t cmsg_len;
    int cmsg_level;
    int cmsg_type;
};

struct ucred {
    uint32_t pid, uid, gid;
};

struct linger_k {                // struct linger
    int l_onoff, l_linger;
};

#define CMSG_ALIGN(len) (((len) + sizeof(long) - 1) & ~(sizeof(long) - 1))
#define CMSG_SPACE(len) (sizeof(struct cmsghdr) + CMSG_ALIGN(len))
#define CMSG_LEN(len)   (sizeof(struct cmsghdr) + (len))
