// Creating the program's process and ending it. When the program ends the
// kernel writes the exit record (docs/boot-protocol.md) and stops the VM.
#include "sched/proc.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "drivers/qemu_exit.h"
#include "drivers/clock.h"
#include "exec/exec.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/resource.h>

// pid 1 belongs to "init" (the kernel); the program is pid 2, its parent 1.
// LINUX-DIFF: not pid 1, because Linux gives pid 1 special signal semantics we do not emulate.
#define PROGRAM_PID 2

static const struct rlimit_k default_rlimits[NUM_RLIMITS] = {
    [RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_STACK] = { 8 << 20, RLIM_INFINITY },
    [RLIMIT_CORE] = { 0, RLIM_INFINITY },
    [RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_NPROC] = { 4096, 4096 },
    [RLIMIT_NOFILE] = { 1024, 1048576 },
    [RLIMIT_MEMLOCK] = { 8 << 20, 8 << 20 },
    [RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_SIGPENDING] = { 4096, 4096 },
    [RLIMIT_MSGQUEUE] = { 819200, 819200 },
    [RLIMIT_NICE] = { 0, 0 },
    [RLIMIT_RTPRIO] = { 0, 0 },
    [RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

struct thread *
proc_create_init(void)
{
    struct proc *p = kzalloc(sizeof(*p));
    struct thread *t = kzalloc(sizeof(*t));
    uint64_t kstack = pmm_alloc_contig(KSTACK_SIZE / PAGE_SIZE);

    if (!p || !t || !kstack || !(p->mm = mm_create()))
        panic("out of memory creating the first process");
    p->pid = p->pgid = p->sid = PROGRAM_PID;
    p->ppid = 1;
    p->umask = 022;
    for (int i = 0; i < NUM_RLIMITS; i++)
        p->rlimits[i] = default_rlimits[i];
    t->tid = p->pid;
    t->proc = p;
    t->kstack_top = (uint64_t)phys_to_virt(kstack) + KSTACK_SIZE;
    boot_cpu.current = t;
    boot_cpu.kstack_top = t->kstack_top;
    tss_set_kernel_stack(t->kstack_top);
    return t;
}

// The time marks for tools/bench, logged at exit so that calibrating the
// TSC never delays the program's start; the exit is read before calibrating.
static void
log_boot_time(void)
{
    uint64_t exit_tsc = rdtsc();

    klog("boot: entry-to-user %lu us", clock_tsc_to_ns(user_entry_tsc - boot_tsc) / 1000);
    klog("boot: entry-to-exit %lu us", clock_tsc_to_ns(exit_tsc - boot_tsc) / 1000);
}

__noreturn void
proc_exit(int status)
{
    log_boot_time();
    klog("pkgload-exit status=%d", status & 0xff);
    qemu_exit(QEMU_EXIT_PROGRAM);
}

__noreturn void
proc_killed(int sig)
{
    log_boot_time();
    klog("pkgload-exit signal=%d", sig);
    qemu_exit(QEMU_EXIT_PROGRAM);
}
