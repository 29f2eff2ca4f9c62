// The thread benchmarks of `tools/bench --program threads`, one static
// program run the same way under pkgload and as the Linux guest's /init
// program: thread create+join rate, futex ping-pong round trips between two
// threads, the cost of syscall(SYS_getppid) and of
// clock_gettime(CLOCK_MONOTONIC), and the wall time of a fixed CPU-bound
// job split over two threads (its ratio between --smp 1 and --smp 2 is the
// speed-up). Each result is one line, `bench-threads: NAME VALUE UNIT`;
// times are the guest's CLOCK_MONOTONIC. argv[1]: a scale factor for the
// run lengths (default 1).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define SPIN_ITERATIONS    200000000UL  // per thread: about 0.4 s of TCG time each

static double scale = 1;

static double
now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void
report(const char *name, double value, const char *unit)
{
    printf("bench-threads: %s %.1f %s\n", name, value, unit);
    fflush(stdout);
}

static void *
nothing(void *arg)
{
    return arg;
}

// Create and join threads one at a time for about 0.3 s.
static void
bench_create_join(void)
{
    double start = now_s(), end = start + 0.3 * scale;
    long n = 0;

    while (now_s() < end) {
        for (int i = 0; i < 10; i++, n++) {
            pthread_t t;
            if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0) {
                perror("pthread_create");
                exit(1);
            }
        }
    }
    report("create-join", n / (now_s() - start), "per-s");
}

static volatile uint32_t turn;
static long rounds;

static void
play(uint32_t me)
{
    for (long i = 0; i < rounds; i++) {
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
            syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, !me, NULL, NULL, 0);
        __atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
        syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
}

static void *
player_one(void *arg)
{
    (void)arg;
    play(1);
    return NULL;
}

// Two threads hand a word back and forth, each waiting in FUTEX_WAIT.
static void
bench_ping_pong(void)
{
    pthread_t t;

    rounds = (long)(5000 * scale);
    turn = 0;
    double start = now_s();
    pthread_create(&t, NULL, player_one, NULL);
    play(0);
    pthread_join(t, NULL);
    report("futex-pingpong", rounds / (now_s() - start), "round-trips-per-s");
}

static void
bench_getppid(void)
{
    long n = (long)(200000 * scale);
    double start = now_s();

    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    report("getppid", (now_s() - start) / n * 1e9, "ns");
}

static void
bench_clock_gettime(void)
{
    long n = (long)(200000 * scale);
    struct timespec t;
    double start = now_s();

    for (long i = 0; i < n; i++)
        clock_gettime(CLOCK_MONOTONIC, &t);
    report("clock-gettime", (now_s() - start) / n * 1e9, "ns");
}

static void *
spin(void *arg)
{
    uint64_t x = (uintptr_t)arg;
    unsigned long n = (unsigned long)(SPIN_ITERATIONS * scale);

    for (unsigned long i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (void *)(uintptr_t)x;
}

// A fixed CPU-bound job in two threads: on two CPUs it should take half as long.
static void
bench_spin(void)
{
    pthread_t a, b;
    void *ra, *rb;
    double start = now_s();

    pthread_create(&a, NULL, spin, (void *)1);
    pthread_create(&b, NULL, spin, (void *)2);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    report("spin-2-threads", (now_s() - start) * 1e3, "ms");
    if (ra == rb)  // keeps the work; never true
        puts("same");
}

int
main(int argc, char **argv)
{
    if (argc > 1)
        scale = atof(argv[1]);
    bench_create_join();
    bench_ping_pong();
    bench_getppid();
    bench_clock_gettime();
    bench_spin();
    return 0;
}
