// The numbers Linux x86-64 itself answers with ENOSYS (its sys_ni_syscall):
// calls removed from Linux (create_module, query_module, nfsservctl,
// _sysctl, lookup_dcookie, ...), never implemented (getpmsg, putpmsg,
// afs_syscall, tuxcall, security, vserver) or 32-bit only (uselib,
// set_thread_area, get_thread_area, epoll_ctl_old, epoll_wait_old). Answering
// ENOSYS is their full Linux semantics, so their rows say `full` and they are
// not logged or counted as missing.
#include "types.h"
#include "syscalls.h"
#include <asm-generic/errno.h>

long
sys_ni_syscall(void)
{
    return -ENOSYS;
}
