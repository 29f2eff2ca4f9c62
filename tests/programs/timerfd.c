// timerfd: one-shot and periodic timers on each clock, relative and
// absolute, expiries counted (missed intervals included) and read as 8
// bytes, gettime and the old value, disarming, poll and epoll, and the
// errors. Times are printed only as bounds, so both runs agree.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000L

static void
report(const char *what, long ret)
{
    printf("%s: %ld%s%s\n", what, ret, ret < 0 ? " " : "", ret < 0 ? strerror(errno) : "");
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
set(int fd, int flags, long value_ns, long interval_ns)
{
    struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
                              { value_ns / 1000000000, value_ns % 1000000000 } };

    return timerfd_settime(fd, flags, &its, NULL);
}

static uint64_t
take(int fd, long *ret)
{
    uint64_t v = 0;

    *ret = read(fd, &v, sizeof(v));
    return v;
}

static void
test_oneshot(int clock, const char *name)
{
    int fd = timerfd_create(clock, 0);
    struct timespec t0;
    long ret;
    uint64_t v;

    printf("-- one-shot on %s\n", name);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    set(fd, 0, 30 * MS, 0);
    v = take(fd, &ret);
    printf("read: %ld, expiries %llu, waited at least 25 ms: %s\n", ret, (unsigned long long)v,
           ms_since(&t0) >= 25 ? "yes" : "no");
    close(fd);
}

static void
test_periodic(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec cur;
    struct timespec before, t0;
    long ret, elapsed;
    uint64_t v;

    printf("-- periodic\n");
    v = take(fd, &ret);
    report("read disarmed", ret);
    clock_gettime(CLOCK_MONOTONIC, &before);
    set(fd, 0, 10 * MS, 10 * MS);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    timerfd_gettime(fd, &cur);
    printf("gettime: interval %ld ns, value in (0, 10 ms]: %s\n", cur.it_interval.tv_nsec,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10 * MS
               ? "yes"
               : "no");
    while (ms_since(&t0) < 55)
        ;
    v = take(fd, &ret);
    elapsed = ms_since(&before);    // the time the timer ran is between 55 ms and this
    printf("after 55 ms: read %ld, expiries from 5 to the time passed: %s\n", ret,
           v >= 5 && (long)v <= elapsed / 10 ? "yes" : "no");
    fcntl(fd, F_SETFL, 0);
    v = take(fd, &ret);
    printf("blocking read: %ld, at least 1 expiry: %s\n", ret, v >= 1 ? "yes" : "no");
    close(fd);
}

static void
test_absolute(void)
{
    int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    struct itimerspec its = { { 0, 0 }, { 0, 0 } }, old;
    struct timespec now;
    long ret;
    uint64_t v;

    printf("-- absolute\n");
    printf("cloexec: %d\n", fcntl(fd, F_GETFD));
    clock_gettime(CLOCK_REALTIME, &now);
    its.it_value = now;
    its.it_value.tv_sec -= 10;
    its.it_interval.tv_sec = 1;
    report("settime 10 s ago, every 1 s", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    v = take(fd, &ret);
    printf("read: %ld, expiries 10 or 11: %s\n", ret, v == 10 || v == 11 ? "yes" : "no");
    its.it_value.tv_sec = now.tv_sec + 3600;
    its.it_interval.tv_sec = 0;
    report("settime an hour ahead",
           timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, &old));
    printf("old: interval %lld s, value under 1 s: %s\n", (long long)old.it_interval.tv_sec,
           old.it_value.tv_sec == 0 ? "yes" : "no");
    timerfd_gettime(fd, &old);
    printf("now: value between 3590 and 3600 s: %s\n",
           old.it_value.tv_sec >= 3590 && old.it_value.tv_sec <= 3600 ? "yes" : "no");
    its.it_value.tv_sec = its.it_value.tv_nsec = 0;
    report("disarm", timerfd_settime(fd, 0, &its, &old));
    printf("old value over 3590 s: %s\n", old.it_value.tv_sec >= 3590 ? "yes" : "no");
    timerfd_gettime(fd, &old);
    printf("disarmed: %lld %ld %lld %ld\n", (long long)old.it_value.tv_sec, old.it_value.tv_nsec,
           (long long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
    close(fd);
}

static void
test_waiting(void)
{
    int a = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK),
        b = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN }, out[2];
    struct pollfd p[2] = { { a, POLLIN | POLLOUT, 0 }, { b, POLLIN | POLLOUT, 0 } };
    long ret;

    printf("-- poll and epoll\n");
    ev.data.u64 = 0xa, epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
    ev.data.u64 = 0xb, epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev);
    set(a, 0, 1500 * MS, 0);
    set(b, 0, 300 * MS, 0);
    report("poll none yet", poll(p, 2, 0));
    report("epoll_wait", epoll_wait(ep, out, 2, 5000));
    printf("  first: %#llx events %#x\n", (unsigned long long)out[0].data.u64, out[0].events);
    report("poll", poll(p, 2, 5000));
    printf("  revents %#x %#x\n", p[0].revents, p[1].revents);
    take(b, &ret);
    report("epoll_wait", epoll_wait(ep, out, 2, 5000));
    printf("  first: %#llx events %#x\n", (unsigned long long)out[0].data.u64, out[0].events);
    close(a), close(b), close(ep);
}

static void
test_errors(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0), p[2];
    struct itimerspec its = { { 0, 0 }, { 1, 0 } }, bad = { { 0, 0 }, { 0, 1000000000 } };
    char buf[4];

    printf("-- errors\n");
    pipe(p);
    report("create bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    report("create clock 99", timerfd_create(99, 0));
    report("create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
    report("settime bad flags", timerfd_settime(fd, 4, &its, NULL));
    report("settime bad value", timerfd_settime(fd, 0, &bad, NULL));
    report("settime bad pointer", syscall(SYS_timerfd_settime, fd, 0, (void *)8, NULL));
    report("settime bad pointer and flags", syscall(SYS_timerfd_settime, fd, 4, (void *)8, NULL));
    report("settime bad fd", timerfd_settime(99, 0, &its, NULL));
    report("settime not a timerfd", timerfd_settime(p[0], 0, &its, NULL));
    report("settime bad flags, not a timerfd", timerfd_settime(p[0], 4, &its, NULL));
    report("gettime bad fd", timerfd_gettime(99, &its));
    report("gettime not a timerfd", timerfd_gettime(p[0], &its));
    report("gettime bad pointer", syscall(SYS_timerfd_gettime, fd, (void *)8));
    report("read 4 bytes", read(fd, buf, 4));
    report("write", write(fd, buf, 4));
    close(fd), close(p[0]), close(p[1]);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_oneshot(CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
    test_oneshot(CLOCK_REALTIME, "CLOCK_REALTIME");
    test_oneshot(CLOCK_BOOTTIME, "CLOCK_BOOTTIME");
    test_periodic();
    test_absolute();
    test_waiting();
    test_errors();
    return 0;
}
