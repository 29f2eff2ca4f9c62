// sched_setattr and sched_getattr with the policies this kernel keeps
// (SCHED_OTHER, BATCH, IDLE): the nice value set through them and read by
// getpriority and back, the size handshake (E2BIG with the kernel's size
// written back, 0 for the first size), flags, bad arguments, and a
// thread's own attributes apart from the process's.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
    char extra[8];
};

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-34s -1 %s\n", what,
               errno == EPERM    ? "EPERM"
               : errno == EINVAL ? "EINVAL"
               : errno == ESRCH  ? "ESRCH"
               : errno == E2BIG  ? "E2BIG"
               : errno == EFAULT ? "EFAULT"
                                 : "other");
    else
        printf("%-34s %ld\n", what, ret);
}

static long
setattr(int pid, struct attr *a, unsigned flags)
{
    return syscall(SYS_sched_setattr, pid, a, flags);
}

static void
show_attr(int pid)
{
    struct attr a;

    memset(&a, 0xee, sizeof(a));
    if (syscall(SYS_sched_getattr, pid, &a, 56, 0) < 0) {
        show("  getattr", -1);
        return;
    }
    // Not sched_runtime: Linux reports its time slice there, which depends on the CPU count.
    printf(
        "  size %u policy %u flags %llx nice %d priority %u deadline %llu/%llu, getpriority %d\n",
        a.size, a.policy, (unsigned long long)a.flags, a.nice, a.priority,
        (unsigned long long)a.deadline, (unsigned long long)a.period,
        getpriority(PRIO_PROCESS, pid));
}

static struct attr
make(uint32_t size, uint32_t policy, int nice)
{
    struct attr a;

    memset(&a, 0, sizeof(a));
    a.size = size, a.policy = policy, a.nice = nice;
    return a;
}

static void *
thread_main(void *arg)
{
    struct attr a = make(48, SCHED_IDLE, 0);

    show("thread sets SCHED_IDLE", setattr(0, &a, 0));
    show_attr(0);
    return arg;
}

int
main(void)
{
    struct attr a;
    pthread_t t;

    setvbuf(stdout, NULL, _IONBF, 0);
    setpriority(PRIO_PROCESS, 0, 0);   // the runner may be niced
    show_attr(0);
    a = make(48, SCHED_BATCH, 5);
    show("BATCH nice 5", setattr(0, &a, 0));
    show_attr(0);
    a = make(0, SCHED_OTHER, -30);
    show("size 0, nice -30 (clamped)", setattr(0, &a, 0));
    show_attr(0);
    a = make(56, SCHED_OTHER, 0);
    show("size 56", setattr(0, &a, 0));
    a = make(47, SCHED_OTHER, 0);
    show("size 47", setattr(0, &a, 0));
    printf("  size written back %u\n", a.size);
    a = make(64, SCHED_OTHER, 0);
    show("size 64, zero tail", setattr(0, &a, 0));
    a = make(64, SCHED_OTHER, 0);
    a.extra[3] = 1;
    show("size 64, nonzero tail", setattr(0, &a, 0));
    printf("  size written back %u\n", a.size);
    a = make(48, SCHED_OTHER, 3);
    show("syscall flags 1", setattr(0, &a, 1));
    show("NULL attr", setattr(0, NULL, 0));
    show("pid -1", setattr(-1, &a, 0));
    show("no such pid", setattr(4000000, &a, 0));
    show("bad pointer", setattr(0, (struct attr *)1, 0));
    a = make(48, 7, 0);
    show("policy 7", setattr(0, &a, 0));
    a = make(48, SCHED_FIFO, 0);
    show("FIFO priority 0", setattr(0, &a, 0));
    a = make(48, SCHED_OTHER, 0);
    a.priority = 1;
    show("OTHER priority 1", setattr(0, &a, 0));
    a = make(48, SCHED_OTHER, 0);
    a.flags = 0x1000;
    show("flag 0x1000", setattr(0, &a, 0));
    a = make(48, SCHED_IDLE, 7);
    a.flags = 0x08;   // SCHED_FLAG_KEEP_POLICY
    show("KEEP_POLICY nice 7", setattr(0, &a, 0));
    show_attr(0);
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    show_attr(0);
    a = make(48, SCHED_OTHER, 0);
    show("back to OTHER 0", setattr(0, &a, 0));
    show_attr(0);
    show("getattr size 47", syscall(SYS_sched_getattr, 0, &a, 47, 0));
    show("getattr size 4097", syscall(SYS_sched_getattr, 0, &a, 4097, 0));
    show("getattr flags 1", syscall(SYS_sched_getattr, 0, &a, 48, 1));
    show("getattr NULL", syscall(SYS_sched_getattr, 0, NULL, 48, 0));
    show("getattr no such pid", syscall(SYS_sched_getattr, 4000000, &a, 48, 0));
    memset(&a, 0xee, sizeof(a));
    show("getattr size 48", syscall(SYS_sched_getattr, 0, &a, 48, 0));
    printf("  size %u, byte 48 untouched %d\n", a.size, (unsigned char)((char *)&a)[48] == 0xee);
    memset(&a, 0xee, sizeof(a));
    show("getattr size 64", syscall(SYS_sched_getattr, 0, &a, 64, 0));
    printf("  size %u\n", a.size);
    return 0;
}
