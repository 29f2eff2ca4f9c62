// What reading the time costs, for tools/bench_vdso: the same static binary
// runs under pkgload and as the program of a Linux guest's /init. Each line
// is `bench-clock: NAME NS` with the median, over 7 rounds, of the
// nanoseconds per call of a round of calls (CLOCK_MONOTONIC times a round).
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 7

static long long
now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// One call of what NAME measures, I-th of its round.
static void
call(int what)
{
    struct timespec t;
    struct timeval tv;

    switch (what) {
    case 0: clock_gettime(CLOCK_MONOTONIC, &t); break;
    case 1: clock_gettime(CLOCK_REALTIME, &t); break;
    case 2: gettimeofday(&tv, NULL); break;
    case 3: (void)time(NULL); break;
    case 4: (void)sched_getcpu(); break;
    case 5: syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t); break;
    case 6: syscall(SYS_getppid); break;
    }
}

static void
measure(const char *name, int what, int calls)
{
    double per_call[ROUNDS];

    call(what);   // the first call may do one-time work (the TSC's calibration)
    for (int r = 0; r < ROUNDS; r++) {
        long long start = now_ns();
        for (int i = 0; i < calls; i++)
            call(what);
        per_call[r] = (double)(now_ns() - start) / calls;
    }
    qsort(per_call, ROUNDS, sizeof(double), by_value);
    printf("bench-clock: %s %.1f\n", name, per_call[ROUNDS / 2]);
}

int
main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 100000;

    measure("clock_gettime(CLOCK_MONOTONIC)", 0, calls);
    measure("clock_gettime(CLOCK_REALTIME)", 1, calls);
    measure("gettimeofday", 2, calls);
    measure("time", 3, calls);
    measure("sched_getcpu", 4, calls);
    measure("syscall(SYS_clock_gettime)", 5, calls / 10);
    measure("syscall(SYS_getppid)", 6, calls / 10);
    return 0;
}
