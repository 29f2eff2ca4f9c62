// pidfd_open, pidfd_send_signal and waitid(P_PIDFD): a pidfd is
// close-on-exec, not readable, polls readable once its process ends (and
// POLLHUP once reaped), sends signals as kill does (or with a siginfo),
// and waits for its child; CLONE_PIDFD through clone and clone3; the
// errors of each call.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-36s -1 %s\n", what,
               errno == EPERM    ? "EPERM"
               : errno == EINVAL ? "EINVAL"
               : errno == ESRCH  ? "ESRCH"
               : errno == EBADF  ? "EBADF"
               : errno == ECHILD ? "ECHILD"
               : errno == EFAULT ? "EFAULT"
               : errno == EMFILE ? "EMFILE"
                                 : "other");
    else
        printf("%-36s %ld\n", what, ret);
}

static long
pidfd_open(int pid, unsigned flags)
{
    return syscall(SYS_pidfd_open, pid, flags);
}

static long
send(int fd, int sig, siginfo_t *info, unsigned flags)
{
    return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static void
show_poll(int fd, int timeout)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int n = poll(&p, 1, timeout);

    printf("  poll: %d, revents%s%s\n", n, p.revents & POLLIN ? " IN" : "",
           p.revents & POLLHUP ? " HUP" : "");
}

static long
getfd(int pidfd, int target, unsigned flags)
{
    return syscall(SYS_pidfd_getfd, pidfd, target, flags);
}

// A child that opens a pipe of its own, writes into it, sends its read
// end's number up STATUS, then waits for its parent to close GO's write
// end (or, with DROP, first takes uid and gid 1000: its parent's no peer).
static pid_t
child_with_pipe(int status, const int go[2], int drop)
{
    pid_t pid = fork();
    int q[2];
    char c;

    if (pid != 0)
        return pid;
    close(go[1]);
    if (pipe(q) < 0 || write(q[1], "hello", 5) != 5)
        _exit(1);
    // Linux makes a process whose ids changed undumpable, which only
    // CAP_SYS_PTRACE gets past; dumpable again, its peers may take its fds.
    if (drop && (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0 ||
                 prctl(PR_SET_DUMPABLE, 1) < 0))
        _exit(1);
    if (write(status, &q[0], sizeof(q[0])) != sizeof(q[0]) || read(go[0], &c, 1) < 0)
        _exit(1);
    _exit(0);
}

// pidfd_getfd: a copy of another process's descriptor (the same open file
// description: what the child wrote comes out), close-on-exec; its errors,
// EPERM for a process of another uid (the caller then not root) and ESRCH
// once the process has ended; EMFILE with no descriptor free.
static void
test_getfd(void)
{
    int status[2], go[2], target, fd, got, self, n = 0;
    char buf[8] = { 0 };
    siginfo_t si;
    struct rlimit rl = { 1024, 1024 };
    pid_t pid;

    if (pipe(status) < 0 || pipe(go) < 0)
        return;
    pid = child_with_pipe(status[1], go, 0);
    fd = pidfd_open(pid, 0);
    if (read(status[0], &target, sizeof(target)) != sizeof(target))
        return;
    got = getfd(fd, target, 0);
    show("pidfd_getfd a child's pipe", got >= 0 ? 0 : -1);
    printf("  close-on-exec %d, O_RDONLY %d, read %zd %s\n", fcntl(got, F_GETFD) & FD_CLOEXEC,
           (fcntl(got, F_GETFL) & O_ACCMODE) == O_RDONLY, read(got, buf, 5), buf);
    close(got);
    show("pidfd_getfd flags 1", getfd(fd, target, 1));
    show("pidfd_getfd no such target", getfd(fd, 900, 0));
    show("pidfd_getfd target -1", getfd(fd, -1, 0));
    show("pidfd_getfd bad pidfd", getfd(99, 0, 0));
    show("pidfd_getfd a pipe as pidfd", getfd(status[0], 0, 0));
    close(go[1]);
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    show("pidfd_getfd a zombie", getfd(fd, target, 0));
    waitpid(pid, NULL, 0);
    show("pidfd_getfd once reaped", getfd(fd, target, 0));
    close(fd);
    close(go[0]);
    if (pipe(go) < 0)
        return;
    pid = child_with_pipe(status[1], go, 1);
    fd = pidfd_open(pid, 0);
    if (read(status[0], &target, sizeof(target)) != sizeof(target))
        return;
    show("pidfd_getfd uid 1000's, as root", (got = getfd(fd, target, 0)) >= 0 ? 0 : -1);
    close(got);
    for (int uid = 1000; uid <= 1001; uid++) {   // a uid 1000 peer may; uid 1001 may not
        if (fork() == 0) {
            if (setresgid(1000, 1000, 1000) < 0 || setresuid(uid, uid, uid) < 0)
                _exit(1);
            got = getfd(fd, target, 0);
            show(uid == 1000 ? "pidfd_getfd uid 1000's, as 1000"
                             : "pidfd_getfd uid 1000's, as 1001",
                 got >= 0 ? 0 : got);
            _exit(0);
        }
        wait(NULL);
    }
    close(go[1]);
    waitpid(pid, NULL, 0);
    close(go[0]);
    close(fd);
    self = pidfd_open(getpid(), 0);
    setrlimit(RLIMIT_NOFILE, &rl);   // the kernel's table size, natively too
    while (dup(0) >= 0)
        n++;
    show("pidfd_getfd no free descriptor", getfd(self, 0, 0));
    printf("  filled %d\n", n > 0);
}

// clone3's argument block (musl's headers have none).
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

// CLONE_PIDFD through clone (the pidfd in parent_tid's place) and clone3
// (its own field): the child's pidfd, close-on-exec; bad combinations.
static void
test_clone_pidfd(void)
{
    struct clone3_args a = { 0 };
    int fd = -5, fd3 = -5;
    siginfo_t si;
    long pid;

    show("clone PIDFD|PARENT_SETTID",
         syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &fd, NULL, 0));
    show("clone PIDFD|DETACHED",
         syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &fd, NULL, 0));
    show("clone PIDFD bad pointer",
         syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (int *)1, NULL, 0));
    pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &fd, NULL, 0);
    if (pid == 0)
        _exit(3);
    printf("  clone gave a pidfd: %d, close-on-exec %d\n", fd >= 0,
           fcntl(fd, F_GETFD) & FD_CLOEXEC);
    memset(&si, 0, sizeof(si));
    show("waitid on it", waitid(P_PIDFD, fd, &si, WEXITED));
    printf("  the clone's pid %d, status %d\n", si.si_pid == pid, si.si_status);
    a.flags = CLONE_PIDFD, a.pidfd = (uintptr_t)&fd3, a.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &a, sizeof(a));
    if (pid == 0)
        _exit(4);
    printf("  clone3 gave a pidfd: %d\n", fd3 >= 0);
    memset(&si, 0, sizeof(si));
    show("waitid on it", waitid(P_PIDFD, fd3, &si, WEXITED));
    printf("  the clone3's pid %d, status %d\n", si.si_pid == pid, si.si_status);
    close(fd);
    close(fd3);
}

int
main(void)
{
    int self, fd, pipefd[2], ep;
    char c;
    siginfo_t si;
    struct epoll_event ev = { .events = EPOLLIN }, got;
    pid_t child;

    setvbuf(stdout, NULL, _IONBF, 0);
    self = pidfd_open(getpid(), 0);
    show("pidfd_open self", self >= 0 ? 0 : -1);
    printf("  close-on-exec: %d\n", fcntl(self, F_GETFD) & FD_CLOEXEC);
    show("read a pidfd", read(self, &c, 1));
    show("flags 1", pidfd_open(getpid(), 1));
    show("pid 0", pidfd_open(0, 0));
    show("pid -1", pidfd_open(-1, 0));
    show("no such pid", pidfd_open(4000000, 0));
    show("PIDFD_NONBLOCK", pidfd_open(getpid(), O_NONBLOCK) >= 0 ? 0 : -1);
    if (pipe(pipefd) < 0)
        return 1;
    child = fork();
    if (child == 0) {
        close(pipefd[1]);
        if (read(pipefd[0], &c, 1) < 0)
            _exit(1);
        _exit(7);
    }
    fd = pidfd_open(child, 0);
    show_poll(fd, 0);
    ep = epoll_create1(0);
    show("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    show("epoll_wait before", epoll_wait(ep, &got, 1, 0));
    show("signal 0", send(fd, 0, NULL, 0));
    show("flags 1", send(fd, 0, NULL, 1));
    show("flags 2", send(fd, 0, NULL, 2));
    show("flags 4", send(fd, 0, NULL, 4));
    show("flags 3", send(fd, 0, NULL, 3));
    show("flags 8", send(fd, 0, NULL, 8));
    show("bad fd", send(99, 0, NULL, 0));
    show("a pipe", send(pipefd[0], 0, NULL, 0));
    show("signal 99", send(fd, 99, NULL, 0));
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1, si.si_code = SI_QUEUE;
    show("info with another signo", send(fd, SIGUSR2, &si, 0));
    si.si_code = SI_USER;
    show("info posing as kill, to another", send(fd, SIGUSR1, &si, 0));
    show("info bad pointer", send(fd, SIGUSR1, (siginfo_t *)1, 0));
    show("waitid P_PIDFD WNOHANG", waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG));
    show("waitid P_PIDFD a pipe", waitid(P_PIDFD, pipefd[0], &si, WEXITED));
    if (write(pipefd[1], "x", 1) < 0)
        return 1;
    show_poll(fd, 5000);
    show("epoll_wait after", epoll_wait(ep, &got, 1, 5000));
    show("signal 0 to a zombie", send(fd, 0, NULL, 0));
    show("SIGTERM to a zombie", send(fd, SIGTERM, NULL, 0));
    memset(&si, 0, sizeof(si));
    show("waitid P_PIDFD", waitid(P_PIDFD, fd, &si, WEXITED));
    printf("  pid is the child's %d, code %d, status %d\n", si.si_pid == child, si.si_code,
           si.si_status);
    show_poll(fd, 0);
    show("signal 0 once reaped", send(fd, 0, NULL, 0));
    show("waitid once reaped", waitid(P_PIDFD, fd, &si, WEXITED));
    child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    fd = pidfd_open(child, 0);
    setpgid(child, child);
    show("flags 4, a group leader now", send(fd, 0, NULL, 4));
    show("SIGKILL", send(fd, SIGKILL, NULL, 0));
    memset(&si, 0, sizeof(si));
    show("waitid P_PIDFD", waitid(P_PIDFD, fd, &si, WEXITED));
    printf("  code %d, status %d\n", si.si_code, si.si_status);
    test_clone_pidfd();
    test_getfd();
    return 0;
}
