// ioprio_get and ioprio_set: none set (0) at first, each class and its
// checks (RT only with CAP_SYS_NICE, NONE only with level 0, classes past
// IDLE EINVAL, hint bits kept), inheritance by fork and threads, another
// process's priority, a process group's best (NONE counts as the nice
// value's best-effort level), and a user's refusals.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WHO_PROCESS     1
#define WHO_PGRP        2
#define PRIO(cls, data) ((cls) << 13 | (data))

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-32s -1 %s\n", what,
               errno == EPERM    ? "EPERM"
               : errno == EINVAL ? "EINVAL"
               : errno == ESRCH  ? "ESRCH"
                                 : "other");
    else
        printf("%-32s %#lx\n", what, ret);
}

static long
get(int which, int who)
{
    return syscall(SYS_ioprio_get, which, who);
}

static long
set(int which, int who, int prio)
{
    return syscall(SYS_ioprio_set, which, who, prio);
}

static void *
thread_get(void *arg)
{
    show("thread's", get(WHO_PROCESS, 0));
    return arg;
}

int
main(void)
{
    pthread_t t;
    int status, pipefd[2];
    pid_t child;
    char c;

    setvbuf(stdout, NULL, _IONBF, 0);
    setpgid(0, 0);
    setpriority(PRIO_PROCESS, 0, 0); // the runner may be niced, and NONE's group value follows nice
    show("at first", get(WHO_PROCESS, 0));
    show("own pid", get(WHO_PROCESS, getpid()));
    show("process group alone", get(WHO_PGRP, 0));
    show("which 4", get(4, 0));
    show("no such pid", get(WHO_PROCESS, 4000000));
    show("set BE 7", set(WHO_PROCESS, 0, PRIO(2, 7)));
    show("get", get(WHO_PROCESS, 0));
    show("set IDLE", set(WHO_PROCESS, 0, PRIO(3, 0)));
    show("set RT 0", set(WHO_PROCESS, 0, PRIO(1, 0)));
    show("get", get(WHO_PROCESS, 0));
    show("set NONE level 1", set(WHO_PROCESS, 0, PRIO(0, 1)));
    show("set class 4", set(WHO_PROCESS, 0, PRIO(4, 0)));
    show("set class 7", set(WHO_PROCESS, 0, PRIO(7, 0)));
    show("set which 5", set(5, 0, PRIO(2, 0)));
    show("set no such pid", set(WHO_PROCESS, 4000000, PRIO(2, 0)));
    show("set BE hint 1", set(WHO_PROCESS, 0, PRIO(2, 1 << 3 | 2)));
    show("get", get(WHO_PROCESS, 0));
    pthread_create(&t, NULL, thread_get, NULL);
    pthread_join(t, NULL);
    if (pipe(pipefd) < 0)
        return 1;
    child = fork();
    if (child == 0) {
        show("child's", get(WHO_PROCESS, 0));
        show("child sets IDLE 3", set(WHO_PROCESS, 0, PRIO(3, 3)));
        if (read(pipefd[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    usleep(100000);
    show("the child's, from here", get(WHO_PROCESS, child));
    show("group best", get(WHO_PGRP, 0));
    show("set the group to NONE", set(WHO_PGRP, 0, 0));
    show("group best of NONEs", get(WHO_PGRP, 0));
    setpriority(PRIO_PROCESS, 0, 10);
    show("nice 10, group best", get(WHO_PGRP, 0));
    setpriority(PRIO_PROCESS, 0, 0);
    show("the child's now", get(WHO_PROCESS, child));
    if (write(pipefd[1], "x", 1) < 0)
        return 1;
    waitpid(child, &status, 0);
    if (fork() == 0) {
        if (setuid(1000) < 0)
            _exit(1);
        show("user set RT", set(WHO_PROCESS, 0, PRIO(1, 0)));
        show("user set BE 5", set(WHO_PROCESS, 0, PRIO(2, 5)));
        show("user set the parent's", set(WHO_PROCESS, getppid(), PRIO(2, 5)));
        show("user get the parent's", get(WHO_PROCESS, getppid()));
        _exit(0);
    }
    wait(&status);
    return 0;
}
