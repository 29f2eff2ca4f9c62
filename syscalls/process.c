// Process syscalls: fork, vfork, and waiting for children (wait4, waitid).
// clone with a process's flags comes here from syscalls/thread.c. The work
// is in kernel/sched/process.c. pidfd_open and pidfd_getfd too.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "sched/process.h"
#include "sched/thread.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "exec/execve.h"
#include "fs/vfs.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "fs/pidfd.h"
#include "sched/caps.h"
#include <linux/capability.h>
#include <linux/fcntl.h>
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/siginfo.h>
#include <asm/signal.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/wait.h>

#define NSEC_PER_USEC 1000ull

// The path as execve(2) takes it: ENAMETOOLONG past PATH_MAX, ENOENT when
// empty (unless AT_EMPTY_PATH), EFAULT.
static long
exec_path(const char __user *upath, int flags, char **out)
{
    char *path = kmalloc(PATH_MAX_LINUX);
    long n;

    if (!path)
        return -ENOMEM;
    n = strncpy_from_user(path, upath, PATH_MAX_LINUX);
    if (n >= 0 && !n && !(flags & AT_EMPTY_PATH))
        n = -ENOENT;
    if (n < 0) {
        kfree(path);
        return n;
    }
    *out = path;
    return 0;
}

long
sys_execveat(int dirfd, const char __user *upath, const char __user *const __user *argv,
             const char __user *const __user *envp, int flags)
{
    char *path;
    long ret;

    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        return -EINVAL;
    if ((ret = exec_path(upath, flags, &path)) < 0)
        return ret;
    ret = exec_program(dirfd, path, argv, envp, flags);
    kfree(path);
    return ret;
}

long
sys_execve(const char __user *upath, const char __user *const __user *argv,
           const char __user *const __user *envp)
{
    return sys_execveat(AT_FDCWD, upath, argv, envp, 0);
}

long
sys_fork(void)
{
    struct clone_req req = { .flags = SIGCHLD };

    return proc_fork(&req);
}

long
sys_vfork(void)
{
    struct clone_req req = { .flags = CLONE_VM | CLONE_VFORK | SIGCHLD };

    return proc_fork(&req);
}

static struct __kernel_old_timeval
ns_to_timeval(uint64_t ns)
{
    return (struct __kernel_old_timeval){ ns / 1000000000ull, ns % 1000000000ull / NSEC_PER_USEC };
}

static long
rusage_to_user(struct rusage __user *ru, const struct wait_result *r)
{
    struct rusage u;

    memset(&u, 0, sizeof(u));
    u.ru_utime = ns_to_timeval(r->utime);
    u.ru_stime = ns_to_timeval(r->stime);
    return copy_to_user(ru, &u, sizeof(u));
}

#define WAIT4_VALID (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)

long
sys_wait4(int pid, int __user *status, int options, struct rusage __user *ru)
{
    struct wait_result r = { 0 };
    long ret;

    if (options & ~WAIT4_VALID)
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;          // -INT_MIN has no group to name
    ret = proc_wait(pid,
                    WAIT_EXITED | (options & WUNTRACED ? WAIT_STOPPED : 0) |
                        (options & WCONTINUED ? WAIT_CONTINUED : 0),
                    options & WNOHANG, false, &r);
    if (ret <= 0)
        return ret;
    if (status && copy_to_user(status, &r.status, sizeof(r.status)) < 0)
        return -EFAULT;
    if (ru && rusage_to_user(ru, &r) < 0)
        return -EFAULT;
    return ret;
}

#define WAITID_VALID                                                                               \
    (WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)

// The siginfo waitid fills: CLD_EXITED with the code, or CLD_KILLED /
// CLD_DUMPED with the signal; all zeros when WNOHANG found nothing.
static long
waitid_info(siginfo_t __user *infop, const struct wait_result *r, long ret)
{
    siginfo_t si;

    if (!infop)
        return 0;
    memset(&si, 0, sizeof(si));
    if (ret > 0) {
        si.si_signo = SIGCHLD;
        si.si_pid = r->pid;
        si.si_uid = r->uid;
        if (r->what != WAIT_EXITED) {
            si.si_code = r->what == WAIT_STOPPED ? CLD_STOPPED : CLD_CONTINUED;
            si.si_status = r->what == WAIT_STOPPED ? (r->status >> 8) & 0xff : SIGCONT;
        } else if (r->status & 0x7f) {
            si.si_code = r->status & 0x80 ? CLD_DUMPED : CLD_KILLED;
            si.si_status = r->status & 0x7f;
        } else {
            si.si_code = CLD_EXITED;
            si.si_status = (r->status >> 8) & 0xff;
        }
    }
    return copy_to_user(infop, &si, sizeof(si));
}

// The pid a pidfd names: EBADF for a descriptor that is not one.
static int
pid_of_pidfd(int fd)
{
    struct file *f = fd_get(fd);

    return f ? pidfd_pid(f) : -EBADF;
}

long
sys_waitid(int which, int id, siginfo_t __user *infop, int options, struct rusage __user *ru)
{
    struct wait_result r = { 0 };
    int pid;
    long ret;

    if ((options & ~WAITID_VALID) || !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    switch (which) {
    case P_ALL: pid = -1; break;
    case P_PID:
        if (id <= 0)
            return -EINVAL;
        pid = id;
        break;
    case P_PGID:
        if (id < 0)
            return -EINVAL;
        pid = id ? -id : 0;
        break;
    case P_PIDFD:
        if ((pid = pid_of_pidfd(id)) < 0)
            return pid;
        break;
    default: return -EINVAL;
    }
    ret =
        proc_wait(pid,
                  (options & WEXITED ? WAIT_EXITED : 0) | (options & WSTOPPED ? WAIT_STOPPED : 0) |
                      (options & WCONTINUED ? WAIT_CONTINUED : 0),
                  options & WNOHANG, options & WNOWAIT, &r);
    if (ret < 0)
        return ret;
    if (waitid_info(infop, &r, ret) < 0 || (ru && rusage_to_user(ru, &r) < 0))
        return -EFAULT;
    return 0;
}


// pidfd_open(2): a process (a thread group's leader: another thread's id is
// ENOENT), zombies included. LINUX-DIFF: PIDFD_THREAD is EINVAL.
long
sys_pidfd_open(int pid, unsigned int flags)
{
    struct file *f;

    if (flags & ~O_NONBLOCK)
        return -EINVAL;
    if (pid <= 0)
        return -EINVAL;
    if (!proc_find(pid))
        return thread_find(pid) ? -ENOENT : -ESRCH;
    if (!(f = pidfd_file_new(pid, flags)))
        return -ENOMEM;
    return anon_file_install(f, true);   // always close-on-exec, as Linux
}

// Whether the caller may take another process's descriptors: Linux's
// ptrace attach check on real ids (PTRACE_MODE_REALCREDS): the caller's
// real uid and gid equal all three of the target's, or the caller holds
// CAP_SYS_PTRACE. LINUX-DIFF: no dumpable flag and no Yama.
static bool
may_take_fds_of(const struct proc *p)
{
    const struct proc *me = current_proc();
    const struct creds *c = &me->creds, *t = &p->creds;

    if (p == me || proc_capable(me, CAP_SYS_PTRACE))
        return true;
    return c->ruid == t->ruid && c->ruid == t->euid && c->ruid == t->suid && c->rgid == t->rgid &&
           c->rgid == t->egid && c->rgid == t->sgid;
}

// pidfd_getfd(2): a new descriptor (close-on-exec) for the open file
// description TARGETFD is in the process PIDFD names.
long
sys_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
    struct proc *p;
    struct file *f;
    int pid, fd;

    if (flags)
        return -EINVAL;
    if ((pid = pid_of_pidfd(pidfd)) < 0)
        return pid;
    if (!(p = proc_find(pid)) || p->zombie || p->exiting || !p->fds)
        return -ESRCH;   // an ended process's descriptors are gone, as Linux
    if (!may_take_fds_of(p))
        return -EPERM;
    if (targetfd < 0 || targetfd >= FD_MAX || !(f = p->fds->files[targetfd]))
        return -EBADF;
    if ((fd = fd_install(-1, file_get(f), true)) < 0)
        file_put(f);   // EMFILE: the reference taken goes back
    return fd;
}
