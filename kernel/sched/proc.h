// The running program: one process (its address space, identity, signal
// actions, limits) and its threads (registers, kernel stack, signal mask).
#pragma once
#include "types.h"
#include "arch/x86_64/percpu.h"

struct mm;
struct fd_table;
struct vnode;
struct trap_frame;

#define NSIG_LINUX 64

// The kernel's struct sigaction as rt_sigaction(2) passes it on x86-64.
struct k_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

struct rlimit_k { uint64_t cur, max; };
#define NUM_RLIMITS 16

struct creds {
    uint32_t ruid, euid, suid, fsuid;
    uint32_t rgid, egid, sgid, fsgid;
};

struct proc {
    int pid, ppid, pgid, sid;
    struct mm *mm;
    struct fd_table *fds;
    struct creds creds;
    struct k_sigaction sigactions[NSIG_LINUX + 1];   // index = signal number
    uint64_t sig_pending;                            // bit (sig - 1)
    struct rlimit_k rlimits[NUM_RLIMITS];
    uint32_t umask;
    const char *exe_path;                            // what /proc/self/exe names
    struct vnode *cwd_vn;
    const char *cwd_pending;       // the cwd to look up once the tree is built (fs/path.c vfs_cwd)
};

struct thread {
    int tid;
    struct proc *proc;
    uint64_t kstack_top;
    struct trap_frame *frame;       // user registers while in the kernel
    uint64_t sig_blocked;           // bit (sig - 1)
    uint64_t clear_child_tid;       // set_tid_address(2)
    uint64_t robust_list, robust_len;
    uint64_t rseq;                  // struct rseq in the program, 0 if none
    uint32_t rseq_len, rseq_sig;
};

static inline struct thread *current_thread(void) { return this_cpu()->current; }
static inline struct proc *current_proc(void) { return this_cpu()->current->proc; }

struct thread *proc_create_init(void);           // the first (and for now only) process
__noreturn void proc_exit(int status);           // exit_group: the program is done
__noreturn void proc_killed(int sig);            // terminated by SIG
