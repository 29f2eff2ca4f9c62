// io_uring(7), on purpose not here: every call fails ENOSYS, as on a Linux
// built without CONFIG_IO_URING (or with io_uring_disabled=2). libuv (node)
// probes it at start and, refused, does its file work on its thread pool
// with plain read/write calls, the path it takes on older kernels.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include <asm-generic/errno.h>

long
sys_io_uring_setup(uint32_t entries, void __user *params)
{
    return -ENOSYS;
}

long
sys_io_uring_enter(unsigned int fd, unsigned int to_submit, unsigned int min_complete,
                   unsigned int flags, const void __user *argp, size_t argsz)
{
    return -ENOSYS;
}

long
sys_io_uring_register(unsigned int fd, unsigned int opcode, void __user *arg, unsigned int nr_args)
{
    return -ENOSYS;
}
