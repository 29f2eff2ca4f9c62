// Readiness of TCP and UDP sockets over loopback: poll, select and epoll
// (level- and edge-triggered, EPOLLRDHUP, EPOLLONESHOT) on listeners and
// connections, a full send buffer, waits woken by another thread and by a
// forked process, and a timeout longer than lwIP's timers' periods.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in srv_addr;

static void
report(const char *what, long ret)
{
    if (ret < 0)
        printf("%s: -1 %s\n", what, strerror(errno));
    else
        printf("%s: %ld\n", what, ret);
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t len = sizeof(srv_addr);

    memset(&srv_addr, 0, sizeof(srv_addr));
    srv_addr.sin_family = AF_INET;
    srv_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&srv_addr, sizeof(srv_addr));
    listen(fd, 16);
    getsockname(fd, (struct sockaddr *)&srv_addr, &len);
    return fd;
}

static int
connect_to(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (connect(fd, (struct sockaddr *)&srv_addr, sizeof(srv_addr)) < 0)
        perror("connect");
    return fd;
}

static void
show_poll(const char *what, int fd, short events, int timeout)
{
    struct pollfd p = { fd, events, 0 };

    report(what, poll(&p, 1, timeout));
    printf("  revents %#x\n", p.revents);
}

static void
show_epoll(const char *what, int ep, int timeout)
{
    struct epoll_event ev[4];
    int n = epoll_wait(ep, ev, 4, timeout);

    report(what, n);
    for (int i = 0; i < n; i++)
        printf("  events %#x data %lu\n", ev[i].events, (unsigned long)ev[i].data.u64);
}

static void
levels(int lfd)
{
    int c, s, ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .u64 = 1 } };
    fd_set rd, wr;
    struct timeval tv = { 0, 0 };
    char buf[64];

    printf("== levels\n");
    show_poll("listener idle", lfd, POLLIN | POLLOUT, 0);
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    show_epoll("epoll listener idle", ep, 0);
    c = connect_to();
    show_poll("listener pending", lfd, POLLIN | POLLOUT, 0);
    show_epoll("epoll listener pending", ep, 0);
    s = accept(lfd, NULL, NULL);
    show_poll("listener drained", lfd, POLLIN, 0);
    show_poll("connected idle", s, POLLIN | POLLOUT | POLLRDHUP, 0);
    write(c, "ping", 4);
    show_poll("connected data", s, POLLIN | POLLOUT | POLLRDHUP, 0);
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(s, &rd);
    FD_SET(s, &wr);
    report("select", select(s + 1, &rd, &wr, NULL, &tv));
    printf("  read %d write %d\n", FD_ISSET(s, &rd), FD_ISSET(s, &wr));
    read(s, buf, sizeof(buf));
    shutdown(c, SHUT_WR);
    show_poll("peer shut down writing", s, POLLIN | POLLOUT | POLLRDHUP, 0);
    shutdown(s, SHUT_WR);
    show_poll("both shut down", s, POLLIN | POLLOUT | POLLRDHUP, 0);
    show_poll("other end", c, POLLIN | POLLOUT | POLLRDHUP, 0);
    close(c);
    close(s);
    close(ep);
}

static void
edges(int lfd)
{
    int c = connect_to(), s = accept(lfd, NULL, NULL), ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, { .u64 = 7 } };
    char buf[64];

    printf("== edges\n");
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    show_epoll("first look", ep, 0);
    show_epoll("nothing new", ep, 0);
    write(c, "a", 1);
    show_epoll("data", ep, 0);
    show_epoll("same data", ep, 0);
    write(c, "b", 1);
    show_epoll("more data", ep, 0);
    read(s, buf, sizeof(buf));
    shutdown(c, SHUT_WR);
    show_epoll("peer shutdown", ep, 0);
    ev.events = EPOLLIN | EPOLLONESHOT;
    epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
    show_epoll("oneshot", ep, 0);
    show_epoll("oneshot disabled", ep, 0);
    close(c);
    close(s);
    close(ep);
}

// Fill the send buffer without blocking, then let the peer drain it.
static void
full_buffer(int lfd)
{
    int c = connect_to(), s = accept(lfd, NULL, NULL);
    static char buf[65536];
    long total = 0, n;

    printf("== full buffer\n");
    fcntl(c, F_SETFL, O_NONBLOCK);
    while ((n = write(c, buf, sizeof(buf))) > 0)
        total += n;
    printf("filled: %s after more than 64 KiB: %d\n", strerror(errno), total > 65536);
    show_poll("full", c, POLLOUT, 0);
    fcntl(s, F_SETFL, O_NONBLOCK);
    while ((n = read(s, buf, sizeof(buf))) > 0)
        total -= n;
    while (total > 0 && poll(&(struct pollfd){ s, POLLIN, 0 }, 1, 200) > 0 &&
           (n = read(s, buf, sizeof(buf))) > 0)
        total -= n;
    printf("all read: %d\n", total == 0);
    show_poll("drained", c, POLLOUT, 1000);
    close(c);
    close(s);
}

static void *
late_connect(void *arg)
{
    usleep(200000);
    *(int *)arg = connect_to();
    write(*(int *)arg, "late", 4);
    return NULL;
}

// A thread blocked in epoll_wait on the listener, then in poll on the
// connection, woken by another thread; a forked writer wakes a reader.
static void
woken(int lfd)
{
    int ep = epoll_create1(0), c = -1, s, sv[2], status;
    struct epoll_event ev = { EPOLLIN, { .u64 = 3 } };
    struct timespec t0;
    pthread_t t;
    char buf[16];
    pid_t pid;

    printf("== woken\n");
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    pthread_create(&t, NULL, late_connect, &c);
    show_epoll("epoll wait for connection", ep, 5000);
    s = accept(lfd, NULL, NULL);
    show_poll("poll for data", s, POLLIN, 5000);
    pthread_join(t, NULL);
    report("read", read(s, buf, sizeof(buf)));
    close(c);
    close(s);

    c = connect_to();
    s = accept(lfd, NULL, NULL);
    sv[0] = c;
    sv[1] = s;
    fflush(stdout);
    if ((pid = fork()) == 0) {
        usleep(200000);
        write(sv[1], "from child", 10);
        _exit(0);
    }
    show_poll("poll for child's data", c, POLLIN, 5000);
    report("read", read(c, buf, sizeof(buf)));
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    show_poll("idle for 1.2 s", c, POLLIN, 1200);
    printf("waited at least 1.2 s: %d\n", ms_since(&t0) >= 1200);
    close(c);
    close(s);
    close(ep);
}

static void
udp(void)
{
    int a = socket(AF_INET6, SOCK_DGRAM, 0), b = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    socklen_t len = sizeof(sa);
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN | EPOLLET, { .u64 = 9 } };

    printf("== udp\n");
    bind(a, (struct sockaddr *)&sa, sizeof(sa));
    getsockname(a, (struct sockaddr *)&sa, &len);
    epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
    show_poll("udp idle", a, POLLIN | POLLOUT, 0);
    show_epoll("udp epoll idle", ep, 0);
    sendto(b, "d1", 2, 0, (struct sockaddr *)&sa, sizeof(sa));
    sendto(b, "d2", 2, 0, (struct sockaddr *)&sa, sizeof(sa));
    show_poll("udp data", a, POLLIN | POLLOUT, 0);
    show_epoll("udp epoll data", ep, 0);
    show_epoll("udp epoll again", ep, 0);
    close(a);
    close(b);
    close(ep);
}

int
main(void)
{
    int lfd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    lfd = listener();
    levels(lfd);
    edges(lfd);
    full_buffer(lfd);
    woken(lfd);
    udp();
    close(lfd);
    return 0;
}
