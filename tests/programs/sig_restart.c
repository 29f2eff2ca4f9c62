// SA_RESTART: a read of an empty pipe interrupted by a handler (an
// ITIMER_REAL SIGALRM after 50 ms) is restarted with SA_RESTART, and then
// reads the byte the handler wrote into the pipe; without SA_RESTART the
// same read fails with EINTR, the byte still unread. Also for readv and for
// a read that a second signal interrupts once more.
#include "thread_check.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

static int fds[2];
static volatile int handled, feed_after = 1;

static void
arm(long interval_ms)
{
    struct itimerval it = { { 0, interval_ms * 1000 }, { 0, 50000 } };

    setitimer(ITIMER_REAL, &it, NULL);
}

static void
disarm(void)
{
    struct itimerval off = { { 0, 0 }, { 0, 0 } };

    setitimer(ITIMER_REAL, &off, NULL);
}

// On the feed_after'th signal, stop the timer and write a byte into the
// pipe: the interrupted read, if restarted, finds it.
static void
on_alarm(int sig)
{
    (void)sig;
    if (++handled < feed_after)
        return;
    disarm();
    if (write(fds[1], "x", 1) != 1)
        _exit(3);
}

static void
set_handler(int flags)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
}

static void
try_read(const char *what, int use_readv)
{
    char c = '?';
    struct iovec iov = { &c, 1 };

    long ret = use_readv ? readv(fds[0], &iov, 1) : read(fds[0], &c, 1);
    printf("%s: %s, got '%c', handler runs: %d\n", what, ret < 0 ? err_name(errno) : "1 byte",
           ret == 1 ? c : '-', handled);
    if (ret < 0 && read(fds[0], &c, 1) == 1)  // the byte the handler wrote
        printf("  the byte was left in the pipe: '%c'\n", c);
}

int
main(void)
{
    if (pipe(fds) < 0)
        return 1;
    set_handler(SA_RESTART);
    handled = 0;
    arm(0);
    try_read("read, SA_RESTART", 0);
    handled = 0;
    arm(0);
    try_read("readv, SA_RESTART", 1);
    handled = 0;
    feed_after = 2;
    arm(50);  // a second signal 50 ms after the first: that one feeds the pipe
    try_read("read, SA_RESTART, interrupted twice", 0);

    set_handler(0);
    handled = 0;
    feed_after = 1;
    arm(0);
    try_read("read, no SA_RESTART", 0);
    return 0;
}
