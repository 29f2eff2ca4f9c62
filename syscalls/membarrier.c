// membarrier(2): memory barriers on the CPUs running a process's threads
// (PRIVATE_EXPEDITED, once registered), or every program's (GLOBAL and
// GLOBAL_EXPEDITED), sent as IPIs by arch/x86_64/cpu_barrier.c. The RSEQ
// commands would restart rseq critical sections, which this kernel does
// not abort: they fail as on a kernel built without CONFIG_RSEQ.
#include "types.h"
#include "syscalls.h"
#include "mm/vm.h"
#include "sched/proc.h"
#include "arch/x86_64/cpu_barrier.h"
#include <asm-generic/errno.h>
#include <linux/membarrier.h>

#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)
#endif

// What QUERY answers: every command but the RSEQ pair.
#define SUPPORTED                                                                                  \
    (MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |                                     \
     MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED |                 \
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE |      \
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_GET_REGISTRATIONS)

static struct mm *
mm(void)
{
    return current_proc()->mm;
}

// Threads of the address space ARG (threads of other processes sharing it
// after vfork are its users too, as Linux's mm-wide test).
static bool
runs_in_mm(const struct thread *t, const void *arg)
{
    return t->proc->mm == arg;
}

static bool
registered_global(const struct thread *t, const void *arg)
{
    return t->proc->mm->membarrier_registered & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
}

// PRIVATE_EXPEDITED and its SYNC_CORE variant: EPERM until the address
// space registered for that command (REGISTER is the command's bit << 1).
static long
private_expedited(int cmd)
{
    if (!(mm()->membarrier_registered & (cmd << 1)))
        return -EPERM;
    cpu_barrier_sync(runs_in_mm, mm());
    return 0;
}

long
sys_membarrier(int cmd, unsigned int flags, int cpu_id)
{
    if (flags)
        return -EINVAL;   // MEMBARRIER_CMD_FLAG_CPU goes with the RSEQ command only
    switch (cmd) {
    case MEMBARRIER_CMD_QUERY: return SUPPORTED;
    case MEMBARRIER_CMD_GLOBAL: cpu_barrier_sync(NULL, NULL); return 0;
    case MEMBARRIER_CMD_GLOBAL_EXPEDITED: cpu_barrier_sync(registered_global, NULL); return 0;
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE: return private_expedited(cmd);
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        mm()->membarrier_registered |= cmd;
        return 0;
    case MEMBARRIER_CMD_GET_REGISTRATIONS: return mm()->membarrier_registered;
    default: return -EINVAL;   // and the RSEQ pair: no CONFIG_RSEQ here
    }
}
