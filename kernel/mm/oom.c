// Out of memory, as Linux's programs meet it: a mapping, brk or mremap that
// no free memory could back fails with ENOMEM up front (the commit
// heuristic), and a page fault that finds no free page kills the process
// with SIGKILL and says so in the kernel log (the OOM killer).
#include "mm/oom.h"
#include "mm/pmm.h"
#include "layout.h"
#include "log.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include <asm/signal.h>
#include <asm-generic/siginfo.h>

// LINUX-DIFF: Linux's default heuristic (overcommit_memory 0) refuses only a
// single request larger than all RAM and swap; here nothing can be
// reclaimed (no swap, no page cache to drop: files live in memory), so a
// request larger than the free pages is refused, as Linux's heuristic
// before 5.8 did with its free and reclaimable pages. Each request is
// judged alone: many small ones can still overcommit, and then the fault
// that finds no page kills (below).
__after_boot bool
oom_may_commit(uint64_t len)
{
    return ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE <= pmm_num_free();
}

// The line the host looks for (loader/vm.py) starts "oom-kill: ".
// LINUX-DIFF: Linux's OOM killer picks the process with the most memory;
// here the process whose fault found no page is the one killed.
__after_boot void
oom_kill_current(uint64_t addr)
{
    struct proc *p = current_proc();
    struct sig_info info = { .code = SI_KERNEL };
    char comm[16];

    thread_comm(current_thread(), comm);
    klog("oom-kill: out of memory: killed process %d (%s): no free page for address %p, "
         "%lu of %lu pages free", p->pid, comm, (void *)addr, pmm_num_free(), pmm_num_total());
    signal_send_proc(p, SIGKILL, &info);
}
