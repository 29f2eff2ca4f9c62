// Making and ending threads. A new thread starts as a copy of its
// creator's registers (the clone syscall's frame, with rax 0 and its own
// stack pointer and TLS) and FPU state; a thread of the same process shares
// its address space, descriptor table and signal actions, and gets its own
// kernel stack, a copy of the signal mask and, as on Linux, no alternate
// stack. A fork's first thread is made the same way in the new process
// (sched/process.c). The last thread to leave a process ends it.
#include "sched/thread.h"
#include "sched/sched.h"
#include "sched/futex.h"
#include "sched/signal.h"
#include "sched/process.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/trap.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/futex.h>
#include <linux/sched.h>


static struct thread *
thread_alloc(void)
{
    struct thread *t = kzalloc(sizeof(*t));
    uint64_t top;

    if (!t)
        return NULL;
    if (!(t->fpu = fpu_area_alloc()))
        goto fail;
    if (!(top = kstack_alloc()))
        goto fail_fpu;
    t->kstack_top = top;
    t->kstack = (void *)(top - KSTACK_SIZE);
    return t;
fail_fpu:
    fpu_area_free(t->fpu);
fail:
    kfree(t);
    return NULL;
}

__after_boot void
thread_free(struct thread *t)
{
    kstack_free(t->kstack_top);
    fpu_area_free(t->fpu);
    kfree(t);
}

// What the new thread inherits from the current one (see the file's header).
static void
inherit(struct thread *t, const struct clone_req *req, struct proc *p, int tid)
{
    struct thread *parent = current_thread();

    t->proc = p;
    t->tid = tid;
    t->frame = (struct trap_frame *)(t->kstack_top - sizeof(struct trap_frame));
    *t->frame = *parent->frame;
    t->frame->rax = 0;
    t->frame->vector = TRAP_SYSCALL_DONE;
    if (req->stack)
        t->frame->rsp = req->stack;
    fpu_save(t->fpu);       // the creator's live registers
    t->fs_base = req->flags & CLONE_SETTLS ? req->tls : rdmsr(MSR_FS_BASE);
    t->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
    t->sig_blocked = parent->sig_blocked;
    t->affinity = parent->affinity;
    t->nice = parent->nice;
    t->ioprio = parent->ioprio;
    memcpy(t->name, parent->name, sizeof(t->name));
    t->mark_tsc = rdtsc();
    if (req->flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = req->child_tid;
}

// The first thread of a new process P (fork), numbered TID, linked into P.
__after_boot struct thread *
thread_new(struct proc *p, const struct clone_req *req, int tid)
{
    struct thread *t;

    if ((req->flags & CLONE_SETTLS) && req->tls >= USER_TOP)
        return NULL;
    if (!(t = thread_alloc()))
        return NULL;
    inherit(t, req, p, tid);
    p->threads = t;
    p->nr_threads = 1;
    return t;
}

__after_boot long
thread_clone(const struct clone_req *req)
{
    struct proc *p = current_proc();
    struct thread *t;
    int tid;

    if ((req->flags & CLONE_SETTLS) && req->tls >= USER_TOP)
        return -EPERM;
    smp_start();            // a second thread is when more CPUs can help
    if (!(t = thread_alloc()))
        return -ENOMEM;
    inherit(t, req, p, pid_alloc());
    tid = t->tid;
    // Written before the thread can run, as Linux does; a bad address
    // fails the clone with EFAULT (before anything is visible).
    if ((req->flags & CLONE_PARENT_SETTID) &&
        copy_to_user((void __user *)req->parent_tid, &tid, 4) < 0)
        goto fault;
    if ((req->flags & CLONE_CHILD_SETTID) &&
        copy_to_user((void __user *)req->child_tid, &tid, 4) < 0)
        goto fault;
    t->proc_next = p->threads;
    p->threads = t;
    p->nr_threads++;
    sched_start(t);
    return tid;
fault:
    thread_free(t);
    return -EFAULT;
}

static void
unlink_thread(struct proc *p, struct thread *t)
{
    for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
        if (*pp == t) {
            *pp = t->proc_next;
            break;
        }
    }
    p->nr_threads--;
}

// The current thread leaves its process for good: its CLONE_CHILD_CLEARTID
// word cleared and woken, its robust futexes released, its time added to
// the process's. The last thread to leave ends the process.
__after_boot __noreturn void
thread_leave(void)
{
    struct thread *t = current_thread();
    struct proc *p = t->proc;
    uint64_t user_ns, sys_ns;
    uint32_t zero = 0;

    futex_exit_robust(t);
    if (t->clear_child_tid && copy_to_user((void __user *)t->clear_child_tid, &zero, 4) == 0)
        futex_wake((uint32_t __user *)t->clear_child_tid, true, 1, FUTEX_BITSET_MATCH_ANY);
    thread_cpu_times(t, &user_ns, &sys_ns);
    p->dead_utime += user_ns;
    p->dead_stime += sys_ns;
    unlink_thread(p, t);
    signal_flush(&t->pending);
    if (p->nr_threads == 0)
        t->reap_proc = proc_end(p);
    sched_exit_thread();
}

// exit(2) of one thread. The last thread's exit is the process's, with
// STATUS, as exit_group would.
__after_boot __noreturn void
thread_exit(int status)
{
    if (current_proc()->nr_threads == 1)
        proc_exit(status);
    thread_leave();
}
