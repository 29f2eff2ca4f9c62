// poll, ppoll, select and pselect6 on pipes: readiness, timeouts that
// really wait, the sets and timeouts written back, and the errors. Times
// are printed only as "waited at least" checks, so both runs agree.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
report(const char *what, long ret)
{
    printf("%s: %ld %s\n", what, ret, ret < 0 ? strerror(errno) : "");
}

static void
test_poll(int rd, int wr)
{
    struct pollfd p[3] = { { rd, POLLIN, 0 }, { wr, POLLOUT, 0 }, { -1, POLLIN, 0 } };
    struct timespec t0;

    report("poll empty pipe, writable end", poll(p, 3, 0));
    printf("  revents %#x %#x %#x\n", p[0].revents, p[1].revents, p[2].revents);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report("poll empty pipe for 50 ms", poll(p, 1, 50));
    printf("  waited at least 45 ms: %s\n", ms_since(&t0) >= 45 ? "yes" : "no");
    write(wr, "x", 1);
    report("poll after a write", poll(p, 1, -1));
    printf("  revents %#x\n", p[0].revents);
    p[0].fd = 1000;
    report("poll closed fd", poll(p, 1, 0));
    printf("  revents %#x\n", p[0].revents);
    report("poll bad pointer", syscall(SYS_poll, (void *)8, 1, 0));
    report("poll too many", syscall(SYS_poll, p, 1u << 30, 0));
}

static void
test_ppoll(int rd)
{
    struct pollfd p = { rd, POLLIN, 0 };
    struct timespec ts = { 0, 20 * 1000000 }, bad = { 0, 2000000000 };
    sigset_t mask;

    sigemptyset(&mask);
    report("ppoll readable", ppoll(&p, 1, &ts, &mask));
    report("ppoll bad timeout", ppoll(&p, 1, &bad, NULL));
    report("ppoll bad sigset size", syscall(SYS_ppoll, &p, 1, &ts, &mask, 4));
}

static void
test_select(int rd, int wr)
{
    fd_set in, out;
    struct timeval tv = { 0, 30000 };
    struct timespec t0;
    char c;

    read(rd, &c, 1);   // empty again
    FD_ZERO(&in);
    FD_ZERO(&out);
    FD_SET(rd, &in);
    FD_SET(wr, &out);
    report("select read+write sets", select(wr + 1, &in, &out, NULL, NULL));
    printf("  read set has rd: %d, write set has wr: %d\n", FD_ISSET(rd, &in), FD_ISSET(wr, &out));
    FD_ZERO(&in);
    FD_SET(rd, &in);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report("select empty pipe for 30 ms", select(rd + 1, &in, NULL, NULL, &tv));
    printf("  waited at least 25 ms: %s, timeval left %ld.%06ld, set has rd: %d\n",
           ms_since(&t0) >= 25 ? "yes" : "no", (long)tv.tv_sec, (long)tv.tv_usec,
           FD_ISSET(rd, &in));
    FD_ZERO(&in);
    FD_SET(50, &in);    // below 64: Linux ignores closed descriptors past its table's size
    tv = (struct timeval){ 0, 0 };
    report("select closed fd", select(51, &in, NULL, NULL, &tv));
    tv = (struct timeval){ 0, -1 };
    report("select bad timeval", select(1, NULL, NULL, NULL, &tv));
    report("select negative nfds", select(-1, NULL, NULL, NULL, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tv = (struct timeval){ 0, 20000 };
    report("select nothing, 20 ms (a sleep)", select(0, NULL, NULL, NULL, &tv));
    printf("  waited at least 15 ms: %s\n", ms_since(&t0) >= 15 ? "yes" : "no");
}

static void
test_pselect(int rd, int wr)
{
    fd_set in;
    struct timespec ts = { 0, 10 * 1000000 };
    sigset_t mask;

    sigemptyset(&mask);
    write(wr, "y", 1);
    FD_ZERO(&in);
    FD_SET(rd, &in);
    report("pselect readable", pselect(rd + 1, &in, NULL, NULL, &ts, &mask));
    printf("  set has rd: %d\n", FD_ISSET(rd, &in));
}

int
main(void)
{
    int fds[2];

    if (pipe(fds) < 0)
        return 1;
    setvbuf(stdout, NULL, _IONBF, 0);
    test_poll(fds[0], fds[1]);
    test_ppoll(fds[0]);
    test_select(fds[0], fds[1]);
    test_pselect(fds[0], fds[1]);
    close(fds[1]);
    struct pollfd p = { fds[0], POLLIN, 0 };
    char c;
    read(fds[0], &c, 1);
    report("poll read end after the writer closed", poll(&p, 1, -1));
    printf("  revents %#x\n", p.revents);
    return 0;
}
