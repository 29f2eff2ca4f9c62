// Out of memory, as Linux's programs meet it: a mapping, brk or mremap that
// no free memory could back fails with ENOMEM up front (the commit
// heuristic), and a page fault that finds no free page kills the process
// with SIGKILL and says so in the kernel log (the OOM killer). "Free" for a
// program leaves out a reserve the kernel keeps for itself.
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
    return ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE + oom_reserve_pages() <= pmm_num_free();
}

// The pages a program's memory may not take: kept for the kernel's own
// allocations that have no graceful way to fail (a CPU's idle thread, made
// the first time it idles; the file tree, built at the first path lookup;
// page tables), as Linux keeps min_free_kbytes = sqrt(16 x KiB of RAM)
// free of user allocations: 512 KiB of 16 MiB, 2 MiB of 256 MiB.
__after_boot uint64_t
oom_reserve_pages(void)
{
    static uint64_t reserve;
    uint64_t kib, r = 0;

    if (reserve)
        return reserve;
    kib = 16 * pmm_num_total() * (PAGE_SIZE / 1024);
    while ((r + 1) * (r + 1) <= kib)
        r++;                    // once, after boot: 2048 steps for 256 MiB
    reserve = MAX(r * 1024 / PAGE_SIZE, 1);
    return reserve;
}

__after_boot bool
oom_may_fault_in(void)
{
    return pmm_num_free() > oom_reserve_pages();
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
         "%lu of %lu pages free",
         p->pid, comm, (void *)addr, pmm_num_free(), pmm_num_total());
    signal_send_proc(p, SIGKILL, &info);
}
