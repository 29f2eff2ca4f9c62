// epoll over pipes and eventfds: level- and edge-triggered, EPOLLONESHOT,
// the order events come in, the data given back as given, an epoll inside
// an epoll and inside poll, hang-ups, descriptors closed or dup'ed while
// in a set, timeouts, the error cases in Linux's order; and waits (epoll,
// select) that another thread's write or epoll_ctl ends.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void
report(const char *what, long ret)
{
    printf("%s: %ld%s%s\n", what, ret, ret < 0 ? " " : "", ret < 0 ? strerror(errno) : "");
}

// Wait up to TIMEOUT ms and print what came, in order.
static int
show(const char *what, int ep, int max, int timeout)
{
    struct epoll_event ev[16];
    int n = epoll_wait(ep, ev, max, timeout);

    printf("%s: %d", what, n);
    if (n < 0)
        printf(" %s", strerror(errno));
    for (int i = 0; i < n; i++)
        printf(" [data %#llx events %#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
    printf("\n");
    return n;
}

static int
add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = { .events = events, .data.u64 = data };

    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int
mod(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = { .events = events, .data.u64 = data };

    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static void
drain(int fd, int n)
{
    char buf[64];

    read(fd, buf, n);
}

static void
test_level(void)
{
    int a[2], b[2], ep = epoll_create1(0);

    printf("-- level-triggered\n");
    pipe(a), pipe(b);
    add(ep, a[0], EPOLLIN, 0xa0a0a0a0a0a0a0a0ull);
    add(ep, b[0], EPOLLIN, 0xb);
    show("nothing written", ep, 8, 0);
    write(b[1], "xy", 2);
    write(a[1], "z", 1);
    show("b then a written", ep, 8, 0);
    show("still ready, not read", ep, 8, 0);
    show("maxevents 1", ep, 1, 0);
    show("maxevents 1 again", ep, 1, 0);
    drain(b[0], 2);
    show("b drained", ep, 8, 0);
    drain(a[0], 1);
    show("both drained", ep, 8, 0);
    add(ep, a[1], EPOLLOUT, 0xa1);
    show("write end added", ep, 8, 0);
    close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(ep);
}

static void
test_edge(void)
{
    int a[2], b[2], ep = epoll_create1(0);

    printf("-- edge-triggered\n");
    pipe(a), pipe(b);
    add(ep, a[0], EPOLLIN | EPOLLET, 1);
    add(ep, b[0], EPOLLIN | EPOLLET, 2);
    write(a[1], "1", 1);
    show("a written", ep, 8, 0);
    show("again, nothing new", ep, 8, 0);
    write(b[1], "2", 1);
    show("b written, a not drained", ep, 8, 0);
    write(a[1], "3", 1);
    show("a written again, not drained", ep, 8, 0);
    drain(a[0], 1);
    show("a read partly", ep, 8, 0);
    mod(ep, a[0], EPOLLIN | EPOLLET, 3);
    show("a modified while ready", ep, 8, 0);
    drain(a[0], 8), drain(b[0], 8);
    show("drained", ep, 8, 0);
    close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(ep);
}

static void
test_oneshot(void)
{
    int p[2], ep = epoll_create1(0);

    printf("-- one-shot\n");
    pipe(p);
    add(ep, p[0], EPOLLIN | EPOLLONESHOT, 7);
    write(p[1], "x", 1);
    show("fired", ep, 8, 0);
    write(p[1], "y", 1);
    show("disabled", ep, 8, 0);
    report("add again", add(ep, p[0], EPOLLIN, 7));
    report("rearm", mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 8));
    show("rearmed", ep, 8, 0);
    show("disabled again", ep, 8, 0);
    close(p[0]), close(p[1]), close(ep);
}

static void
test_eventfd(void)
{
    int efd = eventfd(0, EFD_NONBLOCK), ep = epoll_create1(0);
    uint64_t v = 3;

    printf("-- eventfd\n");
    add(ep, efd, EPOLLIN | EPOLLOUT, 0xe);
    show("count 0", ep, 8, 0);
    write(efd, &v, 8);
    show("count 3", ep, 8, 0);
    mod(ep, efd, EPOLLIN | EPOLLET, 0xe);
    show("edge, after mod", ep, 8, 0);
    show("edge, nothing new", ep, 8, 0);
    write(efd, &v, 8);
    show("edge, written", ep, 8, 0);
    read(efd, &v, 8);
    printf("read %llu\n", (unsigned long long)v);
    show("edge, read (a wake-up for writers only)", ep, 8, 0);
    close(efd), close(ep);
}

static void
test_nested(void)
{
    int p[2], inner = epoll_create1(0), outer = epoll_create1(0);
    struct pollfd pfd = { .fd = inner, .events = POLLIN | POLLOUT };

    printf("-- nested\n");
    pipe(p);
    add(inner, p[0], EPOLLIN, 0x1);
    add(outer, inner, EPOLLIN, 0x2);
    show("outer, nothing", outer, 8, 0);
    report("poll inner, nothing", poll(&pfd, 1, 0));
    write(p[1], "x", 1);
    show("outer, pipe written", outer, 8, 0);
    report("poll inner", poll(&pfd, 1, 0));
    printf("  revents %#x\n", pfd.revents);
    show("inner still has it", inner, 8, 0);
    drain(p[0], 1);
    show("outer, drained", outer, 8, 0);
    close(p[0]), close(p[1]), close(inner), close(outer);
}

static void
test_hangup(void)
{
    int p[2], q[2], ep = epoll_create1(0);

    printf("-- hang-ups\n");
    pipe(p), pipe(q);
    add(ep, p[0], EPOLLIN | EPOLLRDHUP, 1);
    add(ep, q[1], EPOLLOUT, 2);
    write(p[1], "x", 1);
    close(p[1]);
    show("writer closed, data left", ep, 8, 0);
    drain(p[0], 1);
    show("writer closed, drained", ep, 8, 0);
    close(q[0]);
    show("reader closed", ep, 8, 0);
    close(p[0]), close(q[1]), close(ep);
}

static void
test_close_and_dup(void)
{
    int p[2], ep = epoll_create1(0), d;

    printf("-- close and dup\n");
    pipe(p);
    add(ep, p[0], EPOLLIN, 0x10);
    write(p[1], "x", 1);
    d = dup(p[0]);
    close(p[0]);
    show("closed, dup open", ep, 8, 0);
    report("del by closed number", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    report("del by dup number", epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
    report("add dup", add(ep, d, EPOLLIN, 0x11));
    close(d);
    show("last reference closed", ep, 8, 0);
    report("add number reused", add(ep, p[1], EPOLLOUT, 0x12));
    report("del", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    report("del twice", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    report("mod missing", mod(ep, p[1], EPOLLIN, 0));
    close(p[1]), close(ep);
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
test_timeouts(void)
{
    int p[2], ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev;
    struct timespec t0, ts = { 0, 30 * 1000000 };
    sigset_t none;

    printf("-- timeouts\n");
    pipe(p);
    add(ep, p[0], EPOLLIN, 1);
    printf("cloexec: %d\n", fcntl(ep, F_GETFD));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report("epoll_wait 50 ms", epoll_wait(ep, &ev, 1, 50));
    printf("  waited at least 45 ms: %s\n", ms_since(&t0) >= 45 ? "yes" : "no");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sigemptyset(&none);
    report("epoll_pwait2 30 ms", syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, &none, 8));
    printf("  waited at least 25 ms: %s\n", ms_since(&t0) >= 25 ? "yes" : "no");
    ts.tv_nsec = 0;
    report("epoll_pwait2 zero", syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8));
    write(p[1], "x", 1);
    report("epoll_pwait2 no timeout, ready", syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8));
    report("epoll_pwait", epoll_pwait(ep, &ev, 1, -1, &none));
    close(p[0]), close(p[1]), close(ep);
}

static void
test_errors(void)
{
    int p[2], ep = epoll_create1(0), ep2 = epoll_create(1), reg, dir;
    struct epoll_event ev = { .events = EPOLLIN }, out[4];
    struct timespec bad = { 0, 1000000000 };
    char buf[8];

    printf("-- errors\n");
    pipe(p);
    reg = open("/proc/self/exe", O_RDONLY);
    dir = open("/", O_RDONLY | O_DIRECTORY);
    report("epoll_create 0", epoll_create(0));
    report("epoll_create -1", epoll_create(-1));
    report("epoll_create1 bad flags", epoll_create1(1));
    report("ctl bad epfd", epoll_ctl(99, EPOLL_CTL_ADD, p[0], &ev));
    report("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev));
    report("ctl bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8));
    report("ctl del ignores event pointer", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], (void *)8));
    report("ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev));
    report("ctl directory", epoll_ctl(ep, EPOLL_CTL_ADD, dir, &ev));
    report("ctl epfd not epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    report("ctl epoll on itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    report("ctl bad op", epoll_ctl(ep, 99, p[0], &ev));
    report("ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    report("ctl add twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    report("ctl add ep into ep2", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
    report("ctl cycle ep2 into ep", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    report("ctl exclusive", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    report("ctl mod exclusive item", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    report("ctl mod to exclusive", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    report("ctl exclusive with oneshot", epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    report("ctl exclusive epoll", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
    report("wait maxevents 0", syscall(SYS_epoll_wait, ep, out, 0, 0));
    report("wait maxevents -1", syscall(SYS_epoll_wait, ep, out, -1, 0));
    report("wait bad epfd", epoll_wait(99, out, 4, 0));
    report("wait not epoll", epoll_wait(p[0], out, 4, 0));
    report("wait events in kernel half",
           syscall(SYS_epoll_wait, ep, (void *)0xffff800000000000ull, 4, 0));
    report("pwait bad sigsetsize", syscall(SYS_epoll_pwait, ep, out, 4, 0, &bad, 4));
    report("pwait2 bad timeout", syscall(SYS_epoll_pwait2, ep, out, 4, &bad, NULL, 8));
    report("pwait2 bad timeout pointer", syscall(SYS_epoll_pwait2, ep, out, 4, (void *)8, NULL, 8));
    report("read epoll", read(ep, buf, sizeof(buf)));
    report("write epoll", write(ep, buf, sizeof(buf)));
    close(p[0]), close(p[1]), close(ep), close(ep2), close(reg), close(dir);
}

static void
test_nesting_depth(void)
{
    struct epoll_event ev = { .events = EPOLLIN };
    int e[7];

    printf("-- nesting depth\n");
    for (int i = 0; i < 7; i++)
        e[i] = epoll_create1(0);
    for (int i = 0; i < 6; i++) {
        char what[32];
        snprintf(what, sizeof(what), "e%d into e%d", i, i + 1);
        report(what, epoll_ctl(e[i + 1], EPOLL_CTL_ADD, e[i], &ev));
    }
    for (int i = 0; i < 7; i++)
        close(e[i]);
}

struct later {
    int fd;             // write 8 bytes (an eventfd's 1) here after a pause...
    int ep, add_fd;     // ...or add ADD_FD to the epoll EP
};

static void *
act_later(void *arg)
{
    struct later *l = arg;
    uint64_t one = 1;

    usleep(20000);
    if (l->ep >= 0) {
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xadd };
        epoll_ctl(l->ep, EPOLL_CTL_ADD, l->add_fd, &ev);
    } else {
        write(l->fd, &one, sizeof(one));
    }
    return NULL;
}

static void
test_threads(void)
{
    int p[2], efd = eventfd(0, 0), ep = epoll_create1(0), other[2];
    struct later l = { .ep = -1 };
    pthread_t t;
    fd_set in;

    printf("-- woken by another thread\n");
    pipe(p), pipe(other);
    add(ep, p[0], EPOLLIN | EPOLLET, 0x50);
    l.fd = p[1];
    pthread_create(&t, NULL, act_later, &l);
    show("epoll_wait, pipe written later", ep, 8, -1);
    pthread_join(t, NULL);
    l.fd = efd;
    pthread_create(&t, NULL, act_later, &l);
    FD_ZERO(&in);
    FD_SET(efd, &in);
    report("select, eventfd written later", select(efd + 1, &in, NULL, NULL, NULL));
    printf("  set: %d\n", FD_ISSET(efd, &in));
    pthread_join(t, NULL);
    write(other[1], "x", 1);
    l = (struct later){ .ep = ep, .add_fd = other[0] };
    pthread_create(&t, NULL, act_later, &l);
    show("epoll_wait, a ready pipe added later", ep, 8, -1);
    pthread_join(t, NULL);
    close(p[0]), close(p[1]), close(other[0]), close(other[1]), close(efd), close(ep);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_level();
    test_edge();
    test_oneshot();
    test_eventfd();
    test_nested();
    test_hangup();
    test_close_and_dup();
    test_timeouts();
    test_errors();
    test_nesting_depth();
    test_threads();
    return 0;
}
