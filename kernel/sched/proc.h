// Processes and threads. A process owns what its threads share (the address
// space, the descriptor table, identity, signal actions, limits, timers); a
// thread owns its registers, kernel stack, FPU state, signal mask and
// pending signals. Today there is one process (the program) with any number
// of threads; fork (a later issue) adds processes beside it without changing
// what a thread is. Everything here is protected by the kernel lock
// (sched/klock.h) unless a field says otherwise.
#pragma once
#include "types.h"
#include "arch/x86_64/percpu.h"
#include "sched/signal.h"
#include "sched/timer.h"

struct mm;
struct fd_table;
struct vnode;
struct trap_frame;
struct waitq;

#define NSIG_LINUX 64

// The kernel's struct sigaction as rt_sigaction(2) passes it on x86-64.
struct k_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

struct rlimit_k {
    uint64_t cur, max;
};
#define NUM_RLIMITS 16

struct creds {
    uint32_t ruid, euid, suid, fsuid;
    uint32_t rgid, egid, sgid, fsgid;
    struct group_set *groups;   // supplementary (sched/groups.h), NULL for none; one reference
};

struct itimer_k {               // setitimer(2): next expiry and reload, ns
    uint64_t value, interval;   // value: monotonic deadline (REAL) or CPU ns left (VIRTUAL, PROF)
};

struct posix_timer;

struct proc {
    int pid, ppid, pgid, sid;
    struct mm *mm;
    struct fd_table *fds;
    struct creds creds;
    struct k_sigaction sigactions[NSIG_LINUX + 1];   // index = signal number
    struct sigpending shared_pending;                // process-directed signals
    struct rlimit_k rlimits[NUM_RLIMITS];
    uint32_t umask;
    uint32_t coredump_filter; // /proc/PID/coredump_filter's bits (fs/procfs_coredump.c)
    uint32_t personality; // personality(2): recorded, kept by fork and exec (PER_LINUX is 0)
    const char *exe_path;                            // what /proc/self/exe names
    struct vnode *cwd_vn;
    const char *cwd_pending; // the cwd to look up once the tree is built (fs/path.c vfs_cwd)
    struct thread *threads; // every live thread, through thread->proc_next
    int nr_threads;
    uint64_t dead_utime, dead_stime; // CPU time of threads that exited, ns
    uint64_t start_ns; // when it was made (fork), monotonic: /proc/PID/stat's starttime
    struct itimer_k itimers[3]; // ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF
    struct timer itimer_real; // ITIMER_REAL's kernel timer
    struct posix_timer *posix_timers; // timer_create(2)
    int next_timer_id;
    bool exiting; // exit_group or a fatal signal is in progress

    // Relations and ending (sched/process.c).
    struct proc *parent; // NULL: the kernel's init (pid 1) is its parent, and reaps it
    struct proc *children, *sibling; // its children, through their sibling links
    struct proc *all_next; // every process, from proc_first()
    int exit_signal; // sent to the parent at the end (SIGCHLD, or none)
    int exit_code; // wait status once it ends: code << 8, or the signal
    bool zombie; // ended, waiting for its parent to reap it
    bool child_subreaper; // PR_SET_CHILD_SUBREAPER: adopts orphaned descendants
    bool exe_owned; // exe_path is ours to free (not the manifest's)
    bool did_exec; // setpgid on it from its parent is EACCES
    bool stopped; // by a stop signal: its threads park until SIGCONT
    int stop_sig;
    bool stop_unreported, cont_unreported; // for wait's WUNTRACED and WCONTINUED
    struct waitq *child_wait; // its threads waiting in wait4/waitid
    uint64_t child_utime, child_stime; // CPU time of reaped children, ns
    struct thread *vfork_parent; // a vfork parent waiting for this to exec or end
};

enum thread_state {
    THREAD_RUNNING, // on a CPU (this_cpu()->current)
    THREAD_RUNNABLE, // on a run queue
    THREAD_BLOCKED, // waiting (sched_block): only sched_wake puts it back
    THREAD_DEAD, // exited; its stack is freed after the switch away from it
};

// Why a blocked thread was woken (sched_wake's reason).
enum wake_reason { WAKE_NONE, WAKE_EVENT, WAKE_TIMEOUT, WAKE_SIGNAL };

struct thread {
    int tid;
    struct proc *proc;
    struct thread *proc_next; // the process's list of threads
    enum thread_state state;
    uint64_t kstack_top;
    void *kstack; // what to free; NULL for the first thread's static stack
    uint64_t ctx_rsp; // saved kernel stack pointer while switched out
    struct trap_frame *frame; // user registers while in the kernel
    void *fpu; // xsave area (64-byte aligned), the program's FPU/SSE/AVX state
    bool fpu_saved; // fpu holds the live state (the thread is switched out)
    uint64_t fs_base, gs_base; // the program's %fs and %gs bases, saved while switched out
    char name[16]; // comm: PR_SET_NAME, /proc/self/task/TID/comm

    // Scheduling.
    struct thread *rq_next; // run queue link
    int cpu; // the CPU it runs on, is queued on, or last ran on
    uint64_t affinity; // CPUs it may run on (bit per cpu_id)
    int nice; // setpriority(2); recorded, the scheduler is round-robin
    int policy; // SCHED_OTHER, SCHED_BATCH or SCHED_IDLE; recorded
    uint16_t ioprio; // ioprio_set(2): class << 13 | hint << 3 | level; 0 is none set; recorded
    enum wake_reason wake_reason;
    bool interruptible; // a signal may end the current block
    struct timer *sleep_timer; // armed while a timed block waits

    // CPU time, in TSC ticks, and where the current stretch began.
    uint64_t utime_tsc, stime_tsc;
    uint64_t mark_tsc;
    bool in_user; // which of the two the current stretch counts as

    // Signals.
    uint64_t sig_blocked; // bit (sig - 1)
    struct sigpending pending; // thread-directed signals
    uint64_t saved_sigmask; // restored after a handler set up by sigsuspend/ppoll/pselect
    bool restore_sigmask;
    struct sig_altstack altstack;

    uint64_t clear_child_tid; // set_tid_address(2), CLONE_CHILD_CLEARTID
    uint64_t set_child_tid; // CLONE_CHILD_SETTID of a fork: written when it first runs
    bool reap_proc; // the last of a process nobody reaps: free it after the switch
    bool must_die; // another thread's execve: leave at once
    bool rw_nosignal; // a pwritev2 with RWF_NOSIGNAL runs: its EPIPE raises no SIGPIPE
    bool parked; // its process is stopped: waits for SIGCONT
    uint64_t robust_list, robust_len;
    uint64_t rseq; // struct rseq in the program, 0 if none
    uint32_t rseq_len, rseq_sig;
    int rseq_cpu; // the cpu_id last written to it

    // restart_syscall(2): what a nanosleep interrupted by a signal that
    // did not run a handler continues with.
    struct {
        long (*fn)(struct thread *t);
        int clock, flags;
        uint64_t deadline;
        uint64_t rem; // user pointer for the remaining time, 0 if none
    } restart;
};

static inline struct thread *
current_thread(void)
{
    return this_cpu()->current;
}
static inline struct proc *
current_proc(void)
{
    return this_cpu()->current->proc;
}

struct thread *proc_create_init(void); // the first process and its first thread
struct proc *proc_first(void); // the program the VM runs; the head of every process
struct proc *proc_find(int pid); // a live or zombie process, or NULL
int pid_alloc(void); // a new process or thread id
bool proc_group_exists(int pgid,
                       int sid); // a live process of group PGID (in session SID, unless -1)
struct thread *thread_find(int tid); // a live thread of the current process, or NULL
struct thread *proc_find_thread(struct proc *p, int tid);
void thread_comm(struct thread *t, char out[16]); // its name: PR_SET_NAME's, else the program's
__noreturn void proc_exit(int status); // exit_group: the program is done
__noreturn void proc_killed(int sig); // terminated by SIG
