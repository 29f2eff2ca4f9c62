// CLOCK_MONOTONIC never goes back across some work, and CLOCK_REALTIME,
// gettimeofday and time agree on a date after 2020.
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#define Y2020 1577836800LL  // 2020-01-01T00:00:00Z

static long long
ns_of(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int
valid(const struct timespec *t)
{
    return t->tv_nsec >= 0 && t->tv_nsec < 1000000000L;
}

int
main(void)
{
    struct timespec a, b, real;
    struct timeval tv;
    volatile unsigned long sink = 0;
    int ok = 1;

    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0)
        ok = 0, printf("clock_gettime(MONOTONIC) failed\n");
    for (unsigned long i = 0; i < 2000000; i++)
        sink += i ^ (sink >> 3);
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0)
        ok = 0, printf("clock_gettime(MONOTONIC) failed\n");
    printf("monotonic fields valid: %s\n", valid(&a) && valid(&b) ? "yes" : "NO");
    printf("monotonic non-decreasing: %s\n", ns_of(&b) >= ns_of(&a) ? "yes" : "NO");
    ok &= valid(&a) && valid(&b) && ns_of(&b) >= ns_of(&a);

    if (clock_gettime(CLOCK_REALTIME, &real) != 0)
        ok = 0, printf("clock_gettime(REALTIME) failed\n");
    printf("realtime after 2020: %s\n", real.tv_sec > Y2020 && valid(&real) ? "yes" : "NO");
    ok &= real.tv_sec > Y2020 && valid(&real);

    gettimeofday(&tv, NULL);
    time_t now = time(NULL);
    // time() reads the coarse clock, which may still show the previous
    // second just after CLOCK_REALTIME has crossed into the next one.
    int agree = tv.tv_sec >= real.tv_sec && tv.tv_sec - real.tv_sec < 60 &&
                now >= real.tv_sec - 1 && now - real.tv_sec < 60;
    printf("gettimeofday and time agree with realtime: %s\n", agree ? "yes" : "NO");
    ok &= agree;
    printf("%s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
