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
    return 0;
}
