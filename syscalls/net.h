// What the socket syscalls share (net.c, net_msg.c): finding a descriptor's
// socket and copying addresses between the program and the kernel, each
// with Linux's errnos in Linux's order.
#pragma once
#include "net/socket.h"

// FD's open file when it is a socket: 0, -EBADF or -ENOTSOCK.
long net_sock_fd(int fd, struct file **out);
// move_addr_to_kernel: LEN outside 0..128 is EINVAL, an unreadable address EFAULT.
long net_addr_in(const void __user *uaddr, int len, struct sockaddr_storage *a);
// move_addr_to_user: at most *ULEN bytes of A (KLEN long) out, then KLEN into *ULEN.
long net_addr_out(const struct sockaddr_storage *a, uint32_t klen, void __user *uaddr,
                  int __user *ulen);
// read/write (one buffer) and readv/writev on socket F (fs_rw.c calls them).
long net_sock_rw(struct file *f, void __user *buf, size_t count, bool write);
long net_sock_rwv(struct file *f, const struct iovec __user *uiov, int iovcnt, bool write);
