// Scheduling syscalls: yield, affinity, the CPU a thread runs on, nice
// values and scheduling policies. Every thread is a normal (SCHED_NORMAL)
// task on a round-robin scheduler (kernel/sched/sched.c); nice values and
// the batch/idle policies are recorded and reported, not acted on.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "sched/sched.h"
#include "mm/uaccess.h"
#include "log.h"
#include "lib/string.h"
#include "layout.h"
#include "arch/x86_64/smp.h"
#include "exec/vdso.h"
#include <asm-generic/errno.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <linux/time_types.h>

#define AFFINITY_BYTES 8        // the size of the kernel's cpumask here: up to 64 CPUs

// Every CPU QEMU gave us, even before they start (with the first thread):
// Go sizes GOMAXPROCS from sched_getaffinity before it makes one.
static uint64_t
online_mask(void)
{
    uint32_t n = smp_cpus_present();

    return n == 64 ? ~0ull : (1ull << n) - 1;
}

// The thread a scheduling call names: 0 is the caller (pid and tid are the
// same numbers for the first thread, as on Linux).
static struct thread *
target(int pid)
{
    return pid == 0 ? current_thread() : thread_find(pid);
}

long
sys_sched_yield(void)
{
    if (this_cpu()->nr_queued)
        this_cpu()->need_resched = true;    // to the back of the queue on the way out
    return 0;
}

long
sys_sched_getaffinity(int pid, unsigned int len, unsigned long __user *mask)
{
    struct thread *t;
    uint64_t m;

    if (len * 8 < smp_cpus_present() || (len & (sizeof(long) - 1)))
        return -EINVAL;
    if (pid < 0 || !(t = target(pid)))
        return -ESRCH;
    m = t->affinity & online_mask();
    len = MIN(len, AFFINITY_BYTES);
    if (copy_to_user(mask, &m, len) < 0)
        return -EFAULT;
    return len;
}

long
sys_sched_setaffinity(int pid, unsigned int len, const unsigned long __user *mask)
{
    struct thread *t;
    uint64_t m = 0;

    if (copy_from_user(&m, mask, MIN(len, AFFINITY_BYTES)) < 0)
        return -EFAULT;
    if (pid < 0 || !(t = target(pid)))
        return -ESRCH;
    if (!(m & online_mask()))
        return -EINVAL;
    smp_start();        // the CPUs the mask names must exist to run on
    sched_set_affinity(t, m);
    return 0;
}

long
sys_getcpu(unsigned __user *cpu, unsigned __user *node, void __user *unused)
{
    unsigned id = this_cpu()->cpu_id, zero = 0;

    vdso_enable_getcpu();   // later calls stay in the vDSO, which reads TSC_AUX
    if ((cpu && copy_to_user(cpu, &id, sizeof(id)) < 0) ||
        (node && copy_to_user(node, &zero, sizeof(zero)) < 0))
        return -EFAULT;
    return 0;
}

// getpriority(2)'s and setpriority(2)'s WHO: a thread for PRIO_PROCESS (its
// tid; 0 the caller), all of them for our process group or our user.
static long
each_prio_target(int which, int who, long (*fn)(struct thread *, long), long arg)
{
    struct proc *p = current_proc();
    long ret = -ESRCH, r;

    if (which == PRIO_PROCESS) {
        struct thread *t = who < 0 ? NULL : target(who);
        return t ? fn(t, arg) : -ESRCH;
    }
    if (which != PRIO_PGRP && which != PRIO_USER)
        return -EINVAL;
    if ((which == PRIO_PGRP && who != 0 && who != p->pgid) ||
        (which == PRIO_USER && who != 0 && (uint32_t)who != p->creds.ruid))
        return -ESRCH;
    for (struct thread *t = p->threads; t; t = t->proc_next)
        if ((r = fn(t, arg)) != -ESRCH)
            ret = MAX(ret, r);
    return ret;
}

static long
get_nice(struct thread *t, long unused)
{
    return 20 - t->nice;        // the syscall's 1..40, glibc turns it back
}

static long
set_nice(struct thread *t, long nice)
{
    t->nice = nice;
    return 0;
}

long
sys_getpriority(int which, int who)
{
    return each_prio_target(which, who, get_nice, 0);
}

long
sys_setpriority(int which, int who, int niceval)
{
    long ret = each_prio_target(which, who, set_nice, MAX(-20, MIN(19, niceval)));

    return ret < 0 ? ret : 0;
}

static bool
policy_valid(int policy)
{
    return policy == SCHED_NORMAL || policy == SCHED_BATCH || policy == SCHED_IDLE ||
           policy == SCHED_FIFO || policy == SCHED_RR;
}

long
sys_sched_setscheduler(int pid, int policy, const struct sched_param __user *param)
{
    struct sched_param sp;
    struct thread *t;

    policy &= ~SCHED_RESET_ON_FORK;
    if (!param || pid < 0)
        return -EINVAL;
    if (copy_from_user(&sp, param, sizeof(sp)) < 0)
        return -EFAULT;
    if (!(t = target(pid)))
        return -ESRCH;
    if (!policy_valid(policy))
        return -EINVAL;
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
        if (sp.sched_priority < 1 || sp.sched_priority > 99)
            return -EINVAL;
        return -EPERM; // LINUX-DIFF: no real-time scheduling, even for root (RLIMIT_RTPRIO is 0)
    }
    if (sp.sched_priority != 0)
        return -EINVAL;
    t->policy = policy;
    return 0;
}

long
sys_sched_getscheduler(int pid)
{
    struct thread *t;

    if (pid < 0)
        return -EINVAL;
    return (t = target(pid)) ? t->policy : -ESRCH;
}

long
sys_sched_setparam(int pid, const struct sched_param __user *param)
{
    struct thread *t;

    if (!param || pid < 0)
        return -EINVAL;
    if (!(t = target(pid)))
        return -ESRCH;
    return sys_sched_setscheduler(pid, t->policy, param);
}

long
sys_sched_getparam(int pid, struct sched_param __user *param)
{
    struct sched_param sp = { .sched_priority = 0 };

    if (!param || pid < 0)
        return -EINVAL;
    if (!target(pid))
        return -ESRCH;
    return copy_to_user(param, &sp, sizeof(sp));
}

long
sys_sched_get_priority_max(int policy)
{
    if (!policy_valid(policy))
        return -EINVAL;
    return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

long
sys_sched_get_priority_min(int policy)
{
    if (!policy_valid(policy))
        return -EINVAL;
    return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

long
sys_sched_rr_get_interval(int pid, struct __kernel_timespec __user *interval)
{
    struct __kernel_timespec ts = { 0, SCHED_SLICE_NS };

    if (pid < 0)
        return -EINVAL;
    if (!target(pid))
        return -ESRCH;
    return copy_to_user(interval, &ts, sizeof(ts));
}

#define SCHED_ATTR_SIZE_VER0 48   // before the utilisation clamps
#define SCHED_ATTR_SIZE_VER1 56   // sizeof(struct sched_attr) here
#define SCHED_FLAG_SUGOV     0x10000000

// Copy a struct sched_attr of the size its first word gives (0: the first
// size), as Linux: a size it does not know (below the first, past a page,
// or with nonzero bytes past its own struct) is E2BIG with its own size
// written back.
static long
attr_from_user(struct sched_attr __user *uattr, struct sched_attr *a)
{
    uint32_t size, ours = SCHED_ATTR_SIZE_VER1;
    uint8_t tail[64];

    if (copy_from_user(&size, &uattr->size, sizeof(size)) < 0)
        return -EFAULT;
    size = size ? size : SCHED_ATTR_SIZE_VER0;
    memset(a, 0, sizeof(*a));
    if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
        goto too_big;
    if (copy_from_user(a, uattr, MIN(size, ours)) < 0)
        return -EFAULT;
    for (uint32_t at = ours; at < size; at += sizeof(tail)) {
        uint32_t n = MIN(size - at, sizeof(tail));
        if (copy_from_user(tail, (char __user *)uattr + at, n) < 0)
            return -EFAULT;
        for (uint32_t i = 0; i < n; i++)
            if (tail[i])
                goto too_big;
    }
    if ((a->sched_flags & SCHED_FLAG_UTIL_CLAMP) && size < SCHED_ATTR_SIZE_VER1)
        return -EINVAL;
    a->sched_nice = MAX(-20, MIN(19, a->sched_nice));
    return 0;
too_big:
    return copy_to_user(&uattr->size, &ours, sizeof(ours)) < 0 ? -EFAULT : -E2BIG;
}

// __sched_setscheduler's argument checks, then what this kernel can do:
// the fair policies and SCHED_IDLE; real-time and deadline ones EPERM.
static long
apply_attr(struct thread *t, const struct sched_attr *a)
{
    int policy = a->sched_policy;

    if (!policy_valid(policy) && policy != SCHED_DEADLINE)
        return -EINVAL;
    if (a->sched_flags & ~(SCHED_FLAG_ALL | SCHED_FLAG_SUGOV))
        return -EINVAL;
    if (a->sched_priority > 99 ||
        (policy == SCHED_FIFO || policy == SCHED_RR) != (a->sched_priority != 0))
        return -EINVAL;
    if (policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE)
        return -EPERM; // LINUX-DIFF: no real-time scheduling, as sched_setscheduler
    if (a->sched_nice < t->nice && current_proc()->creds.euid != 0)
        return -EPERM; // a lower nice needs CAP_SYS_NICE (RLIMIT_NICE is 0)
    if (policy != SCHED_IDLE)
        t->nice = a->sched_nice;
    t->policy = policy;
    return 0;
}

long
sys_sched_setattr(int pid, struct sched_attr __user *uattr, unsigned int flags)
{
    struct sched_attr a;
    struct thread *t;
    long ret;

    if (!uattr || pid < 0 || flags)
        return -EINVAL;
    if ((ret = attr_from_user(uattr, &a)) < 0)
        return ret;
    if ((int)a.sched_policy < 0)
        return -EINVAL;
    if (!(t = target(pid)))
        return -ESRCH;
    if (a.sched_flags & SCHED_FLAG_KEEP_POLICY)
        a.sched_policy = t->policy;
    if (a.sched_flags & SCHED_FLAG_KEEP_PARAMS)
        a.sched_nice = t->nice;
    return apply_attr(t, &a);
}

long
sys_sched_getattr(int pid, struct sched_attr __user *uattr, unsigned int usize, unsigned int flags)
{
    struct sched_attr a = { 0 };
    struct thread *t;

    if (!uattr || pid < 0 || usize > PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || flags)
        return -EINVAL;
    if (!(t = target(pid)))
        return -ESRCH;
    a.size = MIN(usize, SCHED_ATTR_SIZE_VER1);
    a.sched_policy = t->policy;
    a.sched_nice = t->nice;
    a.sched_runtime = SCHED_SLICE_NS; // as Linux 6.12+: a fair task's time slice
    a.sched_util_max = 1024;          // no clamp: the whole range
    return copy_to_user(uattr, &a, a.size) < 0 ? -EFAULT : 0;
}
