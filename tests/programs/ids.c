// Process identity: one process with one thread, so getpid() == gettid();
// uid/gid calls agree with their effective twins. The values themselves
// (and the parent pid) are the host's business and are not printed.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void
yes_no(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
}

int
main(void)
{
    pid_t pid = getpid();
    long tid = syscall(SYS_gettid);
    long tid_again = syscall(SYS_set_tid_address, NULL);  // returns the caller's tid

    yes_no("getpid > 0", pid > 0);
    yes_no("getpid == gettid", pid == tid);
    yes_no("set_tid_address returns the tid", tid_again == tid);
    yes_no("getpid is stable", getpid() == pid);
    yes_no("getppid >= 0", getppid() >= 0);
    yes_no("getuid == geteuid", getuid() == geteuid());
    yes_no("getgid == getegid", getgid() == getegid());
    return 0;
}
