// setitimer/getitimer: ITIMER_REAL fires every 20 ms (five SIGALRMs taken
// with sigsuspend, no earlier than 100 ms), reads back its interval and
// what is left, returns the old value when replaced; ITIMER_VIRTUAL and
// ITIMER_PROF count CPU time: a spinning program gets SIGVTALRM and SIGPROF,
// a sleeping one's virtual timer barely moves. Bad arguments are EINVAL.
#include "thread_check.h"

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

static volatile int counts[NSIG];

static void
on_signal(int sig)
{
    counts[sig]++;
}

static long long
tv_us(struct timeval t)
{
    return t.tv_sec * 1000000LL + t.tv_usec;
}

static void
set_timer(int which, long value_us, long interval_us, struct itimerval *old)
{
    struct itimerval it = { { interval_us / 1000000, interval_us % 1000000 },
                            { value_us / 1000000, value_us % 1000000 } };

    if (setitimer(which, &it, old) < 0) {
        printf("setitimer(%d): %s\n", which, err_name(errno));
        exit(1);
    }
}

static void
test_real(void)
{
    struct itimerval cur, old;
    sigset_t block, during;

    getitimer(ITIMER_REAL, &cur);
    yes_no("ITIMER_REAL unset at start", tv_us(cur.it_value) == 0 && tv_us(cur.it_interval) == 0);
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &during);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    set_timer(ITIMER_REAL, 20000, 20000, &old);
    yes_no("  old value: unset", tv_us(old.it_value) == 0);
    getitimer(ITIMER_REAL, &cur);
    printf("  interval read back: %lld us\n", tv_us(cur.it_interval));
    yes_no("  0 < left <= 20 ms", tv_us(cur.it_value) > 0 && tv_us(cur.it_value) <= 20000);
    while (counts[SIGALRM] < 5)
        sigsuspend(&during);
    set_timer(ITIMER_REAL, 0, 0, NULL);
    printf("  SIGALRMs taken: %d\n", counts[SIGALRM]);
    yes_no("  no earlier than 5 intervals", ms_since(t0) >= 100);
    sigprocmask(SIG_UNBLOCK, &block, NULL);

    set_timer(ITIMER_REAL, 1000000, 0, NULL);
    set_timer(ITIMER_REAL, 2000000, 0, &old);
    // Half a second of slack: a loaded host may stop the guest's CPU for a while.
    yes_no("replaced: old value 0.5 .. 1 s",
           tv_us(old.it_value) > 500000 && tv_us(old.it_value) <= 1000000);
    set_timer(ITIMER_REAL, 0, 0, &old);
    yes_no("disarmed: old value 1.5 .. 2 s",
           tv_us(old.it_value) > 1500000 && tv_us(old.it_value) <= 2000000);
}

// Spin until the timer's signal came (or 10 s of wall time went by). How
// much CPU time that took is not checked: Linux samples these timers at its
// clock tick and fires up to a tick early or late.
static void
spin_until(int sig, const char *what)
{
    long long t0 = now_ns(CLOCK_MONOTONIC);
    volatile unsigned long x = 0;

    while (!counts[sig] && ms_since(t0) < LATE_MS)
        for (int i = 0; i < 10000; i++)
            x += i;
    printf("%s: %d signal(s)\n", what, counts[sig]);
}

static void
test_cpu_timers(void)
{
    struct itimerval cur;
    struct timespec pause_50ms = { 0, 50000000 };

    set_timer(ITIMER_VIRTUAL, 30000, 0, NULL);
    spin_until(SIGVTALRM, "ITIMER_VIRTUAL 30 ms, spinning");
    set_timer(ITIMER_PROF, 30000, 0, NULL);
    spin_until(SIGPROF, "ITIMER_PROF 30 ms, spinning");

    set_timer(ITIMER_VIRTUAL, 20000, 0, NULL);
    nanosleep(&pause_50ms, NULL);
    getitimer(ITIMER_VIRTUAL, &cur);
    yes_no("ITIMER_VIRTUAL 20 ms over a 50 ms sleep: over 10 ms left", tv_us(cur.it_value) > 10000);
    set_timer(ITIMER_VIRTUAL, 0, 0, NULL);
}

static void
test_errors(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 1000000 } };

    show_ret("setitimer(ITIMER_REAL, tv_usec 1e6)", setitimer(ITIMER_REAL, &it, NULL));
    show_ret("setitimer(5, ...)", setitimer(5, &it, NULL));
    show_ret("getitimer(5, ...)", getitimer(5, &it));
}

int
main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);
    test_real();
    test_cpu_timers();
    test_errors();
    return 0;
}
