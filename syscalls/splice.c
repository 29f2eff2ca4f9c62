// splice(2), answered honestly: no splicing is done. After Linux's checks
// of the flags, a zero length and the descriptors, it is EINVAL, which
// Linux gives for files that cannot splice; callers then copy with read and
// write (Go's io.Copy between sockets does).
#include "syscalls.h"
#include "fs/file.h"
#include <asm-generic/errno.h>

#define SPLICE_F_ALL 0xf   // SPLICE_F_MOVE | NONBLOCK | MORE | GIFT

// LINUX-DIFF: EINVAL even between a pipe and a file or socket.
long
sys_splice(int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out, size_t len,
           unsigned int flags)
{
    struct file *in, *out;

    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    if (len == 0)
        return 0;
    in = fd_get(fd_in);
    out = fd_get(fd_out);
    if (!in || !out || !file_can_read(in) || !file_can_write(out))
        return -EBADF;
    return -EINVAL;
}
