// alarm(): the seconds left of the previous alarm come back (rounded as
// Linux rounds), alarm(0) cancels; an alarm interrupts a read of an empty
// pipe whose writer is still open: the handler (no SA_RESTART) runs once and
// read fails with EINTR, no earlier than the second asked for.
#include "thread_check.h"

#include <signal.h>
#include <unistd.h>

static volatile int alarms;

static void
on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

int
main(void)
{
    struct sigaction sa;
    int fds[2];
    char c;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;  // sa_flags 0: no SA_RESTART
    sigaction(SIGALRM, &sa, NULL);
    if (pipe(fds) < 0)
        return 1;
    printf("alarm(5) with none set: %u\n", alarm(5));
    printf("alarm(3) with 5 s left: %u\n", alarm(3));
    printf("alarm(0) with 3 s left: %u\n", alarm(0));
    printf("alarm(0) with none set: %u\n", alarm(0));

    long long t0 = now_ns(CLOCK_MONOTONIC);
    alarm(1);
    show_ret("read of an empty pipe, alarm(1)", read(fds[0], &c, 1));
    long long waited = ms_since(t0);
    printf("  handler runs: %d\n", alarms);
    yes_no("  waited at least 1 s", waited >= 1000);
    yes_no("  woke in time", waited < 1000 + LATE_MS);
    printf("  alarm(0) after it fired: %u\n", alarm(0));
    return 0;
}
