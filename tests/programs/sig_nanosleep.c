// A sleep cut short by a signal handler (an ITIMER_REAL timer's SIGALRM
// after 100 ms, no SA_RESTART): nanosleep and relative clock_nanosleep fail
// with EINTR and give back the time left (of 10 s, more than 9 s and not
// more than asked); an absolute clock_nanosleep returns EINTR and leaves the
// remaining time untouched. With SA_RESTART, nanosleep still returns EINTR,
// as Linux does for sleeps.
#include "thread_check.h"

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#define FIRE_MS 100

static volatile int alarms;

static void
on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void
arm(void)
{
    struct itimerval it = { .it_value = { 0, FIRE_MS * 1000 } };

    setitimer(ITIMER_REAL, &it, NULL);
}

static long long
ts_ns(struct timespec t)
{
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void
show_left(struct timespec rem, struct timespec asked, long long t0)
{
    long long elapsed = now_ns(CLOCK_MONOTONIC) - t0;

    yes_no("  time left: over 9 s, at most what was asked",
           ts_ns(rem) > 9000000000LL && ts_ns(rem) <= ts_ns(asked));
    yes_no("  time left + time slept about what was asked (within 1 s)",
           ts_ns(rem) + elapsed > ts_ns(asked) - 1000000000LL);
    yes_no("  slept at least until the signal", elapsed >= FIRE_MS * 1000000LL);
}

static void
test_sleeps(void)
{
    struct timespec ten = { 10, 0 }, rem = { 0, 0 };

    long long t0 = now_ns(CLOCK_MONOTONIC);  // before arming: the signal comes 100 ms after
    arm();
    show_ret("nanosleep(10 s), SIGALRM after 100 ms", nanosleep(&ten, &rem));
    show_left(rem, ten, t0);

    t0 = now_ns(CLOCK_MONOTONIC);
    arm();
    rem = (struct timespec){ 0, 0 };
    int err = clock_nanosleep(CLOCK_MONOTONIC, 0, &ten, &rem);
    show_err("clock_nanosleep(MONOTONIC, 10 s)", err);
    show_left(rem, ten, t0);

    arm();
    struct timespec deadline = deadline_in_ms(CLOCK_MONOTONIC, 10000);
    rem = (struct timespec){ 12345, 678 };
    err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, &rem);
    show_err("clock_nanosleep(MONOTONIC, TIMER_ABSTIME +10 s)", err);
    yes_no("  remaining time untouched", rem.tv_sec == 12345 && rem.tv_nsec == 678);
}

int
main(void)
{
    struct sigaction sa;
    struct timespec ten = { 10, 0 }, rem;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    test_sleeps();

    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    arm();
    show_ret("nanosleep(10 s) with SA_RESTART", nanosleep(&ten, &rem));
    printf("handler runs: %d\n", alarms);
    return 0;
}
