// mlock, munlock, mlock2, mlockall and munlockall: pages are populated by a
// lock (not with MLOCK_ONFAULT), the locked amount is held to RLIMIT_MEMLOCK
// for a user without CAP_IPC_LOCK (EPERM at a zero limit, ENOMEM above it),
// root is not held to it, and bad flags and ranges fail as Linux fails them.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static const char *
errno_name(int e)
{
    switch (e) {
    case EPERM: return "EPERM";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    default: return "other";
    }
}

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-40s -1 %s\n", what, errno_name(errno));
    else
        printf("%-40s %ld\n", what, ret);
}

static long
mlock2_raw(const void *addr, size_t len, unsigned int flags)
{
    return syscall(SYS_mlock2, addr, len, flags);
}

// How many of the N pages at P are resident, by mincore.
static int
resident(void *p, int n)
{
    unsigned char vec[64];
    int count = 0;

    if (mincore(p, (size_t)n * PAGE, vec) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        count += vec[i] & 1;
    return count;
}

static char *
fresh(int pages, int prot)
{
    return mmap(NULL, (size_t)pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void
test_populate(void)
{
    char *p = fresh(8, PROT_READ | PROT_WRITE);

    printf("untouched resident: %d\n", resident(p, 8));
    show("mlock 3 pages", mlock(p + 10, 2 * PAGE));
    printf("resident after mlock: %d\n", resident(p, 8));
    show("munlock", munlock(p, 8 * PAGE));
    printf("resident after munlock: %d\n", resident(p, 8));
    show("mlock2 ONFAULT rest", mlock2_raw(p + 4 * PAGE, 4 * PAGE, MLOCK_ONFAULT));
    printf("resident after ONFAULT: %d\n", resident(p, 8));
    p[5 * PAGE] = 1;
    printf("resident after a touch: %d\n", resident(p, 8));
    show("mlock2 flags 2", mlock2_raw(p, PAGE, 2));
    show("mlock2 flags ~0", mlock2_raw(p, PAGE, ~0u));
    show("mlock len 0", mlock(p, 0));
    show("munlock len 0", munlock(p, 0));
    munmap(p, 8 * PAGE);
}

static void
test_ranges(void)
{
    char *p = fresh(4, PROT_READ | PROT_WRITE);

    munmap(p + PAGE, PAGE);
    show("mlock across a hole", mlock(p, 4 * PAGE));
    printf("first page resident: %d\n", resident(p, 1));
    show("mlock of unmapped", mlock(p + PAGE, PAGE));
    show("munlock of unmapped", munlock(p + PAGE, PAGE));
    show("munlock across a hole", munlock(p, 4 * PAGE));
    show("mlock wrapping", mlock(p, SIZE_MAX - 2 * PAGE));
    show("mlock len SIZE_MAX", mlock(p, SIZE_MAX));
    show("munlock wrapping", munlock(p, SIZE_MAX - 2 * PAGE));
    show("mlock of page 0", mlock(NULL, PAGE));
    munmap(p, 4 * PAGE);
    p = fresh(2, PROT_NONE);
    show("mlock PROT_NONE", mlock(p, 2 * PAGE));
    show("mprotect it readable", mprotect(p, 2 * PAGE, PROT_READ));
    printf("PROT_NONE then read resident: %d\n", resident(p, 2));
    show("mprotect it writable", mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE));
    printf("then writable resident: %d\n", resident(p, 2));
    munmap(p, 2 * PAGE);
    p = fresh(2, PROT_READ);
    show("mlock read-only", mlock(p, 2 * PAGE));
    printf("read-only resident: %d\n", resident(p, 2));
    munmap(p, 2 * PAGE);
}

static void
test_mlockall(void)
{
    char *p;

    show("mlockall 0", mlockall(0));
    show("mlockall ONFAULT alone", mlockall(MCL_ONFAULT));
    show("mlockall 8", mlockall(MCL_CURRENT | 8));
    show("mlockall FUTURE", mlockall(MCL_FUTURE));
    p = fresh(4, PROT_READ | PROT_WRITE);
    printf("future mapping resident: %d\n", resident(p, 4));
    munmap(p, 4 * PAGE);
    show("mlockall FUTURE|ONFAULT", mlockall(MCL_FUTURE | MCL_ONFAULT));
    p = fresh(4, PROT_READ | PROT_WRITE);
    printf("future onfault resident: %d\n", resident(p, 4));
    munmap(p, 4 * PAGE);
    show("munlockall", munlockall());
    p = fresh(4, PROT_READ | PROT_WRITE);
    printf("after munlockall resident: %d\n", resident(p, 4));
    show("mlockall CURRENT", mlockall(MCL_CURRENT));
    printf("current mapping resident: %d\n", resident(p, 4));
    show("munlockall", munlockall());
    munmap(p, 4 * PAGE);
    p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1,
             0);
    printf("MAP_LOCKED resident: %d\n", resident(p, 3));
    munmap(p, 3 * PAGE);
}

// The limits, as a user without CAP_IPC_LOCK, in a child that gave root up.
static void
test_limits(void)
{
    struct rlimit zero = { 0, 0 }, small = { 4 * PAGE, 4 * PAGE };
    char *p = fresh(8, PROT_READ | PROT_WRITE);

    setrlimit(RLIMIT_MEMLOCK, &small);
    show("root mlock over the limit", mlock(p, 8 * PAGE));
    show("root mlockall over the limit", mlockall(MCL_CURRENT));
    munlockall();
    if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0) {
        show("setresuid", -1);
        return;
    }
    show("user mlock 4 pages", mlock(p, 4 * PAGE));
    show("user mlock the same again", mlock(p, 4 * PAGE));
    show("user mlock a 5th", mlock(p + 4 * PAGE, PAGE));
    show("user mlock overlapping 5", mlock(p + PAGE, 4 * PAGE));
    show("user munlock 1", munlock(p, PAGE));
    show("user mlock a 5th now", mlock(p + 4 * PAGE, PAGE));
    show("user mlock2 bad flags", mlock2_raw(p, PAGE, 2));
    show("user mlock wrapping", mlock(p, SIZE_MAX - 2 * PAGE));
    show("user mlockall CURRENT", mlockall(MCL_CURRENT));
    show("user mlockall FUTURE", mlockall(MCL_FUTURE));
    show("user mmap 8 pages now", fresh(8, PROT_READ | PROT_WRITE) == MAP_FAILED ? -1 : 0);
    show("user MAP_LOCKED 8 pages",
         mmap(NULL, 8 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) ==
                 MAP_FAILED
             ? -1
             : 0);
    show("user munlockall", munlockall());
    show("user raise the limit", setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ 8 * PAGE, 8 * PAGE }));
    show("user lower it to 0", setrlimit(RLIMIT_MEMLOCK, &zero));
    show("user mlock at limit 0", mlock(p, PAGE));
    show("user mlock2 bad flags at 0", mlock2_raw(p, PAGE, 2));
    show("user mlockall at limit 0", mlockall(MCL_CURRENT));
    show("user mlockall bad at 0", mlockall(0));
    show("user munlock at limit 0", munlock(p, PAGE));
    show("user munlockall at limit 0", munlockall());
    show("user MAP_LOCKED at 0",
         mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) == MAP_FAILED
             ? -1
             : 0);
}

// Locks are not inherited by fork: the child's copy is unlocked, and
// MCL_FUTURE does not reach its new mappings.
static void
test_fork(void)
{
    char *p = fresh(2, PROT_READ | PROT_WRITE);
    struct rlimit one = { PAGE, PAGE };
    int status;
    pid_t pid;

    show("parent mlockall", mlockall(MCL_CURRENT | MCL_FUTURE));
    pid = fork();
    if (pid == 0) {
        setrlimit(RLIMIT_MEMLOCK, &one);
        setresuid(1000, 1000, 1000);
        // Nothing locked in the child: a page fits a one-page limit.
        show("child mlock 1 page", mlock(p, PAGE));
        show("child mlock 2 pages", mlock(p, 2 * PAGE));
        _exit(0);
    }
    waitpid(pid, &status, 0);
    munlockall();
    munmap(p, 2 * PAGE);
}

int
main(void)
{
    int status;
    pid_t pid;

    setvbuf(stdout, NULL, _IONBF, 0);
    test_populate();
    test_ranges();
    test_mlockall();
    test_fork();
    pid = fork();
    if (pid == 0) {
        test_limits();
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("done\n");
    return 0;
}
