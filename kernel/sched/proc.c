// Creating the program's process and ending it. When the program ends the
// kernel writes the exit record (docs/boot-protocol.md) and stops the VM.
#include "sched/proc.h"
#include "mm/vm.h"
#include "fs/file.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "drivers/qemu_exit.h"
#include "fs/console.h"
#include "drivers/clock.h"
#include "exec/exec.h"
#include "manifest.h"
#include "layout.h"
#include "log.h"
#include "syscalls/summary.h"
#include "sched/waitq.h"
#include "sched/process.h"
#include "sched/thread.h"
#include <asm/signal.h>
#include "lib/string.h"
#include <asm-generic/resource.h>

// pid 1 belongs to "init" (the kernel); the program is pid 2, its parent 1.
// LINUX-DIFF: not pid 1, because Linux gives pid 1 special signal semantics we do not emulate.
#define PROGRAM_PID 2

extern uint64_t boot_pml4[];    // boot.S: the first process runs on the boot page table
struct mm init_mm = { .pml4 = boot_pml4, .users = 1, .active = 1 };
static struct fd_table init_fds = { .refs = 1 };
static struct waitq init_child_wait;
// Not zeroed: a stack needs no initial contents (kernel.ld's .noinit, which
// puts an unmapped guard below it).
static char init_kstack[KSTACK_SIZE]
    __attribute__((section(".noinit.init_kstack"), aligned(PAGE_SIZE)));

// The first process is static data, as complete as the compiler can make it:
// under TCG, code that would fill it at boot costs more than the bytes.
static struct thread init_thread;

static struct proc init_proc = {
    .pid = PROGRAM_PID, .ppid = 1, .pgid = PROGRAM_PID, .sid = PROGRAM_PID,
    .threads = &init_thread,
    .nr_threads = 1,
    .exit_signal = SIGCHLD,
    .child_wait = &init_child_wait,
    .mm = &init_mm,
    .fds = &init_fds,
    .umask = 022,
    .coredump_filter = 0x33, // Linux's default: anonymous memory, ELF headers, private huge pages
    .rlimits = {
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
    },
};

// Its FPU area: .bss, so the xsave header starts zeroed as xrstor needs.
static uint8_t init_fpu[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static struct thread init_thread = {
    .tid = PROGRAM_PID,
    .proc = &init_proc,
    .kstack_top = (uint64_t)(init_kstack + KSTACK_SIZE),
    .fpu = init_fpu,
    .affinity = ~0ull,
    .in_user = true,
};

// The identity the host chose (pkgload run --user; root by default) is the
// first process's real, effective, saved and filesystem ids: eight stores,
// no branch, since exec reads them for the auxv before the program starts.
// No supplementary groups, as a process started with `setpriv --clear-groups`.
static void
proc_init_creds(struct proc *p)
{
    uint32_t uid = manifest.raw->uid, gid = manifest.raw->gid;

    p->creds = (struct creds){ .ruid = uid,
                               .euid = uid,
                               .suid = uid,
                               .fsuid = uid,
                               .rgid = gid,
                               .egid = gid,
                               .sgid = gid,
                               .fsgid = gid };
}

struct thread *
proc_create_init(void)
{
    proc_init_creds(&init_proc);
    boot_cpu.current = &init_thread;
    boot_cpu.kstack_top = init_thread.kstack_top;
    gdt_set_rsp0(&boot_cpu, init_thread.kstack_top);
    return &init_thread;
}

__after_boot void
thread_comm(struct thread *t, char out[16])
{
    const char *slash = strrchr(t->proc->exe_path, '/');

    memset(out, 0, 16);
    if (t->name[0])
        memcpy(out, t->name, 16);
    else
        strlcpy(out, slash ? slash + 1 : t->proc->exe_path, 16);
}

__after_boot struct proc *
proc_first(void)
{
    return &init_proc;
}

__after_boot struct proc *
proc_find(int pid)
{
    for (struct proc *p = &init_proc; p; p = p->all_next)
        if (p->pid == pid)
            return p;
    return NULL;
}

// Whether a live process is in group PGID (and session SID, unless -1).
__after_boot bool
proc_group_exists(int pgid, int sid)
{
    for (struct proc *p = &init_proc; p; p = p->all_next)
        if (p->pgid == pgid && (sid < 0 || p->sid == sid) && !p->zombie)
            return true;
    return false;
}

// Processes and threads share one space of ids, as on Linux; the program is
// 2, the ids after it are handed out in order. LINUX-DIFF: they never wrap.
__after_boot int
pid_alloc(void)
{
    static int next = PROGRAM_PID + 1;

    return next++;
}

__after_boot struct thread *
thread_find(int tid)
{
    return proc_find_thread(current_proc(), tid);
}

__after_boot struct thread *
proc_find_thread(struct proc *p, int tid)
{
    for (struct thread *t = p->threads; t; t = t->proc_next)
        if (t->tid == tid)
            return t;
    return NULL;
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

// The process ends with wait status CODE: every thread goes, the last one
// ends it (sched/thread.c, sched/process.c). The first program's end is the
// VM's, with its status in the exit record; processes it forked that still
// run end with the VM.
static __noreturn void
group_exit(int code)
{
    struct proc *p = current_proc();

    if (!p->exiting) {
        p->exiting = true;
        p->exit_code = code;
        proc_kill_threads(p);
    }
    thread_leave();
}

__noreturn void
proc_exit(int status)
{
    if (current_proc() != &init_proc)
        group_exit((status & 0xff) << 8);
    log_boot_time();
    summary_log();
    klog("pkgload-exit status=%d", status & 0xff);
    console_drain();   // the program's last output leaves the VM first
    qemu_exit(QEMU_EXIT_PROGRAM);
}

// LINUX-DIFF: no core dumps (RLIMIT_CORE is 0 as in Debian's default), so
// WCOREDUMP is never set.
__noreturn void
proc_killed(int sig)
{
    if (current_proc() != &init_proc)
        group_exit(sig);
    log_boot_time();
    summary_log();
    klog("pkgload-exit signal=%d", sig);
    console_drain();   // the program's last output leaves the VM first
    qemu_exit(QEMU_EXIT_PROGRAM);
}
