// Process and thread syscalls: exit, ids, thread-area and registration calls.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "mm/uaccess.h"
#include "arch/x86_64/cpu.h"
#include "layout.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm/prctl.h>
#include <linux/rseq.h>
#include <linux/prctl.h>

long
sys_exit_group(int status)
{
    proc_exit(status);
}

long
sys_getpid(void)
{
    return current_proc()->pid;
}

long
sys_gettid(void)
{
    return current_thread()->tid;
}

long
sys_getppid(void)
{
    return current_proc()->ppid;
}

long
sys_getpgrp(void)
{
    return current_proc()->pgid;
}

// The process PID names for getpgid/getsid/setpgid: 0 is the caller.
static struct proc *
named(int pid)
{
    return pid == 0 ? current_proc() : proc_find(pid);
}

long
sys_getpgid(int pid)
{
    struct proc *p = pid < 0 ? NULL : named(pid);

    return p ? p->pgid : -ESRCH;
}

long
sys_getsid(int pid)
{
    struct proc *p = pid < 0 ? NULL : named(pid);

    return p ? p->sid : -ESRCH;
}

// setpgid(2), checked in Linux's order: the caller or a child of it
// (ESRCH), a child that has not exec'd (EACCES) in the caller's session,
// not a session leader, into a group of the same session or a new one
// named after the process (EPERM).
long
sys_setpgid(int pid, int pgid)
{
    struct proc *me = current_proc(), *p;

    if (pgid < 0)
        return -EINVAL;
    if (pid < 0 || !(p = named(pid)) || (p != me && p->parent != me) || p->zombie)
        return -ESRCH;
    if (p != me && p->did_exec)
        return -EACCES;
    if (p->sid != me->sid)
        return -EPERM;
    if (!pgid)
        pgid = p->pid;
    if (p->sid == p->pid)
        return -EPERM;
    if (pgid != p->pid && !proc_group_exists(pgid, me->sid))
        return -EPERM;
    p->pgid = pgid;
    return 0;
}

// setsid(2): a new session and group named after the caller, unless it
// already leads a group (EPERM). The program's first process leads its own
// session from the start, as a container's first process does.
long
sys_setsid(void)
{
    struct proc *p = current_proc();

    for (struct proc *q = proc_first(); q; q = q->all_next)
        if (q->pgid == p->pid)
            return -EPERM;
    p->sid = p->pgid = p->pid;
    return p->sid;
}

long
sys_set_tid_address(int __user *tidptr)
{
    current_thread()->clear_child_tid = (uint64_t)tidptr;
    return current_thread()->tid;
}

#define ROBUST_LIST_HEAD_SIZE 24   // struct robust_list_head on x86-64

long
sys_set_robust_list(void __user *head, size_t len)
{
    if (len != ROBUST_LIST_HEAD_SIZE)
        return -EINVAL;
    current_thread()->robust_list = (uint64_t)head;
    current_thread()->robust_len = len;
    return 0;
}

long
sys_get_robust_list(int pid, void __user *__user *head_ptr, size_t __user *len_ptr)
{
    struct thread *t = current_thread();

    if (pid != 0 && pid != t->tid)
        return -ESRCH;
    if (copy_to_user(head_ptr, &t->robust_list, sizeof(uint64_t)) < 0 ||
        copy_to_user(len_ptr, &t->robust_len, sizeof(size_t)) < 0)
        return -EFAULT;
    return 0;
}

// rseq(2): the area's cpu_id is kept true on every return to user mode
// after the thread moved (sched_exit_to_user). LINUX-DIFF: a critical
// section interrupted by preemption is not aborted (glibc uses only cpu_id).
long
sys_rseq(struct rseq __user *rseq, uint32_t len, int flags, uint32_t sig)
{
    struct thread *t = current_thread();
    uint32_t cpu[2] = { this_cpu()->cpu_id, this_cpu()->cpu_id };   // cpu_id_start, cpu_id

    if (flags & RSEQ_FLAG_UNREGISTER) {
        if (flags & ~RSEQ_FLAG_UNREGISTER)
            return -EINVAL;
        if (t->rseq != (uint64_t)rseq || !t->rseq)
            return -EINVAL;
        if (len != t->rseq_len)
            return -EINVAL;
        if (sig != t->rseq_sig)
            return -EPERM;
        t->rseq = 0;
        return 0;
    }
    if (flags)
        return -EINVAL;
    if (t->rseq)
        return t->rseq == (uint64_t)rseq && len == t->rseq_len
                   ? (sig == t->rseq_sig ? -EBUSY : -EPERM)
                   : -EINVAL;
    if (((uint64_t)rseq & 31) || len < 32)
        return -EINVAL;
    if (copy_to_user(rseq, cpu, sizeof(cpu)) < 0)
        return -EFAULT;
    t->rseq = (uint64_t)rseq;
    t->rseq_cpu = this_cpu()->cpu_id;
    t->rseq_len = len;
    t->rseq_sig = sig;
    return 0;
}

long
sys_arch_prctl(int code, unsigned long addr)
{
    uint64_t v;

    switch (code) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
        if (addr >= USER_TOP)
            return -EPERM;
        // In the kernel, the program's %gs base waits in KERNEL_GS_BASE (swapgs).
        // The registers are the thread's until it is switched out (sched.c saves them).
        wrmsr(code == ARCH_SET_FS ? MSR_FS_BASE : MSR_KERNEL_GS_BASE, addr);
        return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS:
        v = rdmsr(code == ARCH_GET_FS ? MSR_FS_BASE : MSR_KERNEL_GS_BASE);
        return copy_to_user((void __user *)addr, &v, sizeof(v));
    default: return -EINVAL;
    }
}

// PR_SET_NAME: up to 15 bytes, the rest cut, as Linux; a fault leaves the name as it was.
static long
set_name(char *name, const char __user *uname)
{
    char buf[16];
    long n = strncpy_from_user(buf, uname, sizeof(buf));

    if (n == -EFAULT)
        return -EFAULT;
    buf[15] = 0;
    memcpy(name, buf, sizeof(buf));
    return 0;
}

// prctl(2): the options programs use at start-up. The thread name is kept
// (PR_GET_NAME reads it back); the rest is recorded or reports Linux's defaults.
long
sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
          unsigned long arg5)
{
    char *name = current_thread()->name;
    static int dumpable = 1, pdeathsig, no_new_privs;

    switch (option) {
    case PR_SET_NAME: return set_name(name, (const char __user *)arg2);
    case PR_GET_NAME: {
        char comm[16];  // not into name itself: thread_comm clears its output first
        thread_comm(current_thread(), comm);
        return copy_to_user((void __user *)arg2, comm, sizeof(comm));
    }
    case PR_SET_PDEATHSIG:
        if (arg2 > NSIG_LINUX)
            return -EINVAL;
        pdeathsig = arg2;
        return 0;
    case PR_GET_PDEATHSIG: return copy_to_user((void __user *)arg2, &pdeathsig, sizeof(int));
    case PR_SET_DUMPABLE:
        if (arg2 > 1)
            return -EINVAL;
        dumpable = arg2;
        return 0;
    case PR_GET_DUMPABLE: return dumpable;
    case PR_SET_NO_NEW_PRIVS:
        if (arg2 != 1 || arg3 || arg4 || arg5)
            return -EINVAL;
        no_new_privs = 1;
        return 0;
    case PR_GET_NO_NEW_PRIVS: return no_new_privs;
    case PR_SET_CHILD_SUBREAPER:
        current_proc()->child_subreaper = !!arg2;  // the process's: reparent_children reads it
        return 0;
    case PR_GET_CHILD_SUBREAPER: {
        int on = current_proc()->child_subreaper;
        return copy_to_user((void __user *)arg2, &on, sizeof(int));
    }
    case PR_CAPBSET_READ: return arg2 <= 40 ? 1 : -EINVAL;   // root holds every capability
    case PR_GET_SECCOMP: return 0;
    case PR_SET_VMA: return 0; // naming anonymous memory: accepted, not shown
    default: return -EINVAL;
    }
}

// personality(2): 0xffffffff only asks. Any other value is recorded as
// Linux records it (x86-64 checks none); nothing here acts on it.
long
sys_personality(unsigned int persona)
{
    struct proc *p = current_proc();
    unsigned int old = p->personality;

    if (persona != 0xffffffff)
        p->personality = persona;
    return old;
}
