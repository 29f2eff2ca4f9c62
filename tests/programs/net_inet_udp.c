// UDP over loopback (127.0.0.1, ::1, and IPv4 into a dual-stack IPv6
// socket): datagram boundaries, MSG_TRUNC both ways, MSG_PEEK, FIONREAD,
// connected sockets (peer filter, EDESTADDRREQ), automatic binding, the
// errors Linux gives, SO_RCVTIMEO and poll. Ports are never printed.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

struct addr {
    socklen_t len;
    struct sockaddr_storage ss;
};

static void
report(const char *what, long ret)
{
    if (ret < 0)
        printf("%s: -1 %s\n", what, strerror(errno));
    else
        printf("%s: %ld\n", what, ret);
}

static void
make_addr(int family, const char *ip, int port, struct addr *a)
{
    memset(a, 0, sizeof(*a));
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        inet_pton(AF_INET, ip, &s->sin_addr);
        a->len = sizeof(*s);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        inet_pton(AF_INET6, ip, &s->sin6_addr);
        a->len = sizeof(*s);
    }
}

static int
port_of_ss(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port
                                          : ((struct sockaddr_in6 *)ss)->sin6_port);
}

static int
port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    getsockname(fd, (struct sockaddr *)&ss, &len);
    return port_of_ss(&ss);
}

static const char *
ip_of(const struct sockaddr_storage *ss, char *buf)
{
    if (ss->ss_family == AF_INET)
        return inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, buf, 64);
    return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, buf, 64);
}

// A socket bound to IP with a port the kernel picks; A gets its address.
static int
bound(int family, const char *ip, struct addr *a)
{
    int fd = socket(family, SOCK_DGRAM, 0);

    make_addr(family, ip, 0, a);
    if (bind(fd, (struct sockaddr *)&a->ss, a->len) < 0) {
        perror("bind");
        exit(1);
    }
    make_addr(family, ip, port_of(fd), a);
    return fd;
}

// Receive one datagram with recvmsg and say what came, from whom, and how.
static void
recv_one(const char *what, int fd, size_t room, int flags, int sender)
{
    char buf[70000], name[64];
    struct sockaddr_storage ss;
    struct iovec iov = { buf, room };
    struct msghdr mh = { .msg_name = &ss,
                         .msg_namelen = sizeof(ss),
                         .msg_iov = &iov,
                         .msg_iovlen = 1 };
    long n;

    memset(&ss, 0, sizeof(ss));
    memset(buf, 0, 16);
    n = recvmsg(fd, &mh, flags);
    report(what, n);
    if (n < 0)
        return;
    printf("  flags %#x namelen %u family %d from %s port %s", mh.msg_flags, mh.msg_namelen,
           ss.ss_family, ip_of(&ss, name), port_of_ss(&ss) == port_of(sender) ? "ok" : "wrong");
    size_t shown = (size_t)n < room ? (size_t)n : room;
    printf(" data %.*s\n", (int)(shown < 12 ? shown : 12), buf);
}

static void
basics(int family, const char *ip)
{
    struct addr a, b, c;
    int fa = bound(family, ip, &a), fb = bound(family, ip, &b), fc, avail = -1;
    static char big[65600];
    struct pollfd p;

    printf("== basics %s\n", ip);
    report("send one", sendto(fb, "one", 3, 0, (struct sockaddr *)&a.ss, a.len));
    report("send three", sendto(fb, "threeeeeee", 10, 0, (struct sockaddr *)&a.ss, a.len));
    report("send empty", sendto(fb, "", 0, 0, (struct sockaddr *)&a.ss, a.len));
    report("send last", sendto(fb, "last one", 8, 0, (struct sockaddr *)&a.ss, a.len));
    ioctl(fa, FIONREAD, &avail);
    printf("FIONREAD %d\n", avail);
    p = (struct pollfd){ fa, POLLIN | POLLOUT, 0 };
    report("poll", poll(&p, 1, 0));
    printf("  revents %#x\n", p.revents);
    recv_one("recv peek", fa, 100, MSG_PEEK, fb);
    recv_one("recv one", fa, 100, 0, fb);
    recv_one("recv truncated", fa, 5, 0, fb);
    recv_one("recv empty", fa, 100, 0, fb);
    recv_one("recv MSG_TRUNC", fa, 2, MSG_TRUNC, fb);
    recv_one("recv nothing", fa, 100, MSG_DONTWAIT, fb);
    p = (struct pollfd){ fa, POLLIN | POLLOUT, 0 };
    report("poll empty", poll(&p, 1, 0));
    printf("  revents %#x\n", p.revents);

    memset(big, 'b', sizeof(big));
    report("send 60000", sendto(fb, big, 60000, 0, (struct sockaddr *)&a.ss, a.len));
    recv_one("recv 60000", fa, 65536, 0, fb);
    report("send too big",
           sendto(fb, big, family == AF_INET ? 65508 : 65528, 0, (struct sockaddr *)&a.ss, a.len));

    report("send unconnected", send(fb, "x", 1, 0));
    report("connect", connect(fb, (struct sockaddr *)&a.ss, a.len));
    report("send connected", send(fb, "conn", 4, 0));
    recv_one("recv connected", fa, 100, 0, fb);
    fc = bound(family, ip, &c);
    report("send to connected from other",
           sendto(fc, "other", 5, 0, (struct sockaddr *)&b.ss, b.len));
    report("send from peer", sendto(fa, "peer", 4, 0, (struct sockaddr *)&b.ss, b.len));
    recv_one("connected recv", fb, 100, 0, fa);
    recv_one("connected recv nothing else", fb, 100, MSG_DONTWAIT, fa);
    report("disconnect", connect(fb, (struct sockaddr *)&(struct sockaddr){ AF_UNSPEC, { 0 } },
                                 sizeof(struct sockaddr)));
    report("send after disconnect", send(fb, "x", 1, 0));
    report("bind again", bind(fa, (struct sockaddr *)&c.ss, c.len));
    close(fc);
    fc = socket(family, SOCK_DGRAM, 0);
    report("bind in use", bind(fc, (struct sockaddr *)&a.ss, a.len));
    report("port before send", port_of(fc) != 0);
    report("autobind send", sendto(fc, "auto", 4, 0, (struct sockaddr *)&a.ss, a.len));
    report("port after send", port_of(fc) != 0);
    recv_one("recv auto", fa, 100, 0, fc);
    close(fa);
    close(fb);
    close(fc);
}

static void
errors(void)
{
    struct addr a;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = { 0, 100000 };
    char c;

    printf("== errors\n");
    make_addr(AF_INET, "192.0.2.1", 0, &a);
    report("bind non-local", bind(fd, (struct sockaddr *)&a.ss, a.len));
    make_addr(AF_INET, "255.255.255.255", 9, &a);
    report("broadcast without SO_BROADCAST",
           sendto(fd, "b", 1, 0, (struct sockaddr *)&a.ss, a.len));
    make_addr(AF_INET, "127.0.0.1", 0, &a);
    report("send to port 0", sendto(fd, "b", 1, 0, (struct sockaddr *)&a.ss, a.len));
    report("send short name", sendto(fd, "b", 1, 0, (struct sockaddr *)&a.ss, 8));
    make_addr(AF_INET6, "::1", 9, &a);
    report("send AF_INET6 name", sendto(fd, "b", 1, 0, (struct sockaddr *)&a.ss, a.len));
    report("listen", listen(fd, 1));
    report("accept", accept(fd, NULL, NULL));
    report("rcvtimeo", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    report("recv timed out", recv(fd, &c, 1, 0));
    report("shutdown unconnected", shutdown(fd, SHUT_RD));
    report("recv after shutdown", recv(fd, &c, 1, 0));
    close(fd);
    report("socket bad protocol", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    report("socket stream udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
}

// IPv4 datagrams reach an IPv6 socket bound to ::, from ::ffff:127.0.0.1.
static void
dual_stack(void)
{
    struct addr a, b;
    int f6 = bound(AF_INET6, "::", &a), f4 = bound(AF_INET, "127.0.0.1", &b);

    printf("== dual stack\n");
    make_addr(AF_INET, "127.0.0.1", port_of(f6), &a);
    report("send v4 to ::", sendto(f4, "mapped", 6, 0, (struct sockaddr *)&a.ss, a.len));
    recv_one("recv on ::", f6, 100, 0, f4);
    make_addr(AF_INET6, "::ffff:127.0.0.1", port_of(f4), &a);
    report("send to ::ffff:127.0.0.1", sendto(f6, "back", 4, 0, (struct sockaddr *)&a.ss, a.len));
    recv_one("recv on v4", f4, 100, 0, f6);
    close(f6);
    close(f4);
}

// A forked child answers each datagram, upper-cased.
static void
forked(void)
{
    struct addr a;
    int srv = bound(AF_INET, "127.0.0.1", &a), cli = socket(AF_INET, SOCK_DGRAM, 0), status;
    char buf[64];
    pid_t pid;

    printf("== fork\n");
    fflush(stdout);
    if ((pid = fork()) == 0) {
        struct sockaddr_storage ss;
        socklen_t len;
        long n;

        for (int i = 0; i < 3; i++) {
            len = sizeof(ss);
            n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &len);
            for (long j = 0; j < n; j++)
                buf[j] = buf[j] >= 'a' && buf[j] <= 'z' ? buf[j] - 32 : buf[j];
            sendto(srv, buf, n, 0, (struct sockaddr *)&ss, len);
        }
        _exit(0);
    }
    connect(cli, (struct sockaddr *)&a.ss, a.len);
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof(buf), "message %d", i);
        send(cli, buf, strlen(buf), 0);
        memset(buf, 0, sizeof(buf));
        report("reply", recv(cli, buf, sizeof(buf), 0));
        printf("  %s\n", buf);
    }
    waitpid(pid, &status, 0);
    printf("child status %d\n", status);
}

// A connected socket hears of a closed port (ICMP port unreachable) at its
// next receive or send, once; an unconnected one never does.
static void
refused(int family, const char *ip)
{
    struct addr a, b;
    int closed = bound(family, ip, &a), fd = socket(family, SOCK_DGRAM, 0), fu;
    char c;
    struct pollfd p;

    printf("== refused %s\n", ip);
    close(closed);
    report("connect", connect(fd, (struct sockaddr *)&a.ss, a.len));
    report("send", send(fd, "x", 1, 0));
    p = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
    report("poll", poll(&p, 1, 1000));
    printf("  revents %#x\n", p.revents);
    report("recv", recv(fd, &c, 1, 0));
    report("recv again", recv(fd, &c, 1, MSG_DONTWAIT));
    report("send", send(fd, "x", 1, 0));
    usleep(50000);
    report("send after the error", send(fd, "x", 1, 0));
    report("send", send(fd, "x", 1, 0));
    close(fd);
    fu = bound(family, ip, &b);
    report("unconnected sendto", sendto(fu, "x", 1, 0, (struct sockaddr *)&a.ss, a.len));
    usleep(50000);
    report("unconnected recv", recv(fu, &c, 1, MSG_DONTWAIT));
    close(fu);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    basics(AF_INET, "127.0.0.1");
    basics(AF_INET6, "::1");
    errors();
    dual_stack();
    forked();
    refused(AF_INET, "127.0.0.1");
    refused(AF_INET6, "::1");
    return 0;
}
