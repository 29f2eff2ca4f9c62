// TCP over loopback (127.0.0.1 and ::1): a server thread and a forked
// client process, echo and bulk transfer, half-close, the errors Linux gives
// (ECONNREFUSED, EADDRINUSE, EISCONN, ENOTCONN, EPIPE, EINPROGRESS then
// SO_ERROR), names, FIONREAD, MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, options.
// Ports are chosen by the kernel and never printed, so both runs agree.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define BULK     (1 << 20)
#define SIOCOUTQ TIOCOUTQ    // the same number (linux/sockios.h, which musl lacks)

struct addr {
    int family;
    socklen_t len;
    struct sockaddr_storage ss;
};

// Each side writes to its own memory stream, printed once both are done,
// so the output's order does not depend on scheduling.
static void
report(FILE *out, const char *what, long ret)
{
    if (ret < 0)
        fprintf(out, "%s: -1 %s\n", what, strerror(errno));
    else
        fprintf(out, "%s: %ld\n", what, ret);
}

static void
loopback(int family, struct addr *a, int port)
{
    memset(a, 0, sizeof(*a));
    a->family = family;
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a->len = sizeof(*s);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        s->sin6_addr = in6addr_loopback;
        a->len = sizeof(*s);
    }
}

static int
port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                         : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

// The address as text, without the port.
static const char *
name_of(const struct sockaddr_storage *ss, char *buf)
{
    if (ss->ss_family == AF_INET)
        return inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, buf, 64);
    return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, buf, 64);
}

static void
print_names(FILE *out, const char *who, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char buf[64];

    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        fprintf(out, "%s: sockname family %d len %u %s\n", who, ss.ss_family, len,
                name_of(&ss, buf));
    else
        fprintf(out, "%s: getsockname %s\n", who, strerror(errno));
    len = sizeof(ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
        fprintf(out, "%s: peername family %d len %u %s\n", who, ss.ss_family, len,
                name_of(&ss, buf));
    else
        fprintf(out, "%s: getpeername %s\n", who, strerror(errno));
}

// A listener on the loopback address of FAMILY, port picked by the kernel.
static int
listener(int family, struct addr *a)
{
    int fd = socket(family, SOCK_STREAM, 0), one = 1;

    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    loopback(family, a, 0);
    if (bind(fd, (struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 8) < 0) {
        perror("listener");
        exit(1);
    }
    loopback(family, a, port_of(fd));
    return fd;
}

static long
read_full(int fd, char *buf, long n)
{
    long got = 0, r;

    while (got < n && (r = read(fd, buf + got, n - got)) > 0)
        got += r;
    return got;
}

static long
write_full(int fd, const char *buf, long n)
{
    long put = 0, r;

    while (put < n && (r = write(fd, buf + put, n - put)) > 0)
        put += r;
    return put;
}

static unsigned
checksum(const char *buf, long n)
{
    unsigned h = 2166136261u;

    for (long i = 0; i < n; i++)
        h = (h ^ (unsigned char)buf[i]) * 16777619u;
    return h;
}

struct side {
    int fd;
    char *text;
    size_t len;
    FILE *out;
};

static void
side_open(struct side *sd, int fd)
{
    sd->fd = fd;
    sd->out = open_memstream(&sd->text, &sd->len);
}

static void
side_print(struct side *sd)
{
    fclose(sd->out);
    fputs(sd->text, stdout);
    free(sd->text);
}

// The server: echo until EOF, then send BULK bytes and close.
static void *
serve(void *arg)
{
    struct side *sd = arg;
    FILE *out = sd->out;
    char buf[4096], *bulk;
    long n;
    int fd;

    fd = accept(sd->fd, NULL, NULL);
    if (fd < 0) {
        report(out, "accept", fd);
        return NULL;
    }
    print_names(out, "server", fd);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        write_full(fd, buf, n);
    report(out, "server: read end", n);
    bulk = malloc(BULK);
    for (long i = 0; i < BULK; i++)
        bulk[i] = (char)(i * 7 + i / 4096);
    report(out, "server: sent", write_full(fd, bulk, BULK));
    fprintf(out, "server: sum %08x\n", checksum(bulk, BULK));
    free(bulk);
    close(fd);
    return NULL;
}

static void
client(FILE *out, struct addr *a)
{
    int fd = socket(a->family, SOCK_STREAM, 0), one = 1, avail = -1;
    char buf[256], *bulk;

    report(out, "client connect", connect(fd, (struct sockaddr *)&a->ss, a->len));
    report(out, "connect again", connect(fd, (struct sockaddr *)&a->ss, a->len));
    print_names(out, "client", fd);
    report(out, "nodelay", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
    report(out, "cork", setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)));
    socklen_t olen = sizeof(avail);
    getsockopt(fd, IPPROTO_TCP, TCP_CORK, &avail, &olen);
    fprintf(out, "corked %d\n", avail);
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &avail, &olen);
    fprintf(out, "nodelay %d\n", avail);
    report(out, "uncork", setsockopt(fd, IPPROTO_TCP, TCP_CORK, &(int){ 0 }, sizeof(int)));
    report(out, "write hello", write(fd, "hello\n", 6));
    report(out, "read hello", read_full(fd, buf, 6));
    report(out, "write two", write(fd, "two\nparts\n", 10));
    report(out, "peek", recv(fd, buf, 4, MSG_PEEK));
    fprintf(out, "peeked %.4s\n", buf);
    report(out, "waitall", recv(fd, buf, 10, MSG_WAITALL));
    fprintf(out, "got %.10s", buf);
    ioctl(fd, FIONREAD, &avail);
    fprintf(out, "FIONREAD %d\n", avail);
    avail = -1;
    ioctl(fd, SIOCOUTQ, &avail);
    fprintf(out, "SIOCOUTQ %d\n", avail);
    report(out, "dontwait empty", recv(fd, buf, 4, MSG_DONTWAIT));
    report(out, "shutdown wr", shutdown(fd, SHUT_WR));
    report(out, "write after shutdown", send(fd, "x", 1, MSG_NOSIGNAL));
    bulk = malloc(BULK);
    report(out, "bulk read", read_full(fd, bulk, BULK));
    fprintf(out, "client: sum %08x\n", checksum(bulk, BULK));
    report(out, "read at end", read(fd, buf, sizeof(buf)));
    free(bulk);
    close(fd);
}

// One exchange over FAMILY: the server a thread, the client this thread.
static void
exchange_threads(int family)
{
    struct side srv, cli;
    struct addr a;
    pthread_t t;

    printf("== threads, family %d\n", family);
    side_open(&srv, listener(family, &a));
    side_open(&cli, -1);
    pthread_create(&t, NULL, serve, &srv);
    client(cli.out, &a);
    pthread_join(t, NULL);
    close(srv.fd);
    side_print(&srv);
    side_print(&cli);
}

// The same with the server in a forked process, which prints first.
static void
exchange_fork(int family)
{
    struct side srv, cli;
    struct addr a;
    int lfd = listener(family, &a), status;
    pid_t pid;

    printf("== fork, family %d\n", family);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        side_open(&srv, lfd);
        serve(&srv);
        side_print(&srv);
        fflush(stdout);
        _exit(0);
    }
    close(lfd);
    side_open(&cli, -1);
    client(cli.out, &a);
    waitpid(pid, &status, 0);
    side_print(&cli);
    printf("server status %d\n", status);
}

// A port nothing listens on: bound, then closed.
static void
closed_port(int family, struct addr *a)
{
    int fd = socket(family, SOCK_STREAM, 0);

    loopback(family, a, 0);
    bind(fd, (struct sockaddr *)&a->ss, a->len);
    loopback(family, a, port_of(fd));
    close(fd);
}

static void
errors(int family)
{
    struct addr a, b;
    int lfd = listener(family, &a), fd, fd2, one = 1, err = -1;
    socklen_t len = sizeof(err);
    struct pollfd p;
    char c;

    printf("== errors, family %d\n", family);
    fd = socket(family, SOCK_STREAM, 0);
    report(stdout, "bind in use", bind(fd, (struct sockaddr *)&a.ss, a.len));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    report(stdout, "bind in use, both reuseaddr", bind(fd, (struct sockaddr *)&a.ss, a.len));
    report(stdout, "recv unconnected", recv(fd, &c, 1, 0));
    report(stdout, "send unconnected", send(fd, "x", 1, MSG_NOSIGNAL));
    report(stdout, "getpeername unconnected", getpeername(fd, (struct sockaddr *)&b.ss, &len));
    p = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
    report(stdout, "poll unconnected", poll(&p, 1, 0));
    printf("  revents %#x\n", p.revents);
    report(stdout, "shutdown unconnected", shutdown(fd, SHUT_RDWR));
    close(fd);

    closed_port(family, &b);
    fd = socket(family, SOCK_STREAM, 0);
    report(stdout, "connect refused", connect(fd, (struct sockaddr *)&b.ss, b.len));
    report(stdout, "connect refused again", connect(fd, (struct sockaddr *)&b.ss, b.len));
    close(fd);

    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    report(stdout, "nonblocking connect refused", connect(fd, (struct sockaddr *)&b.ss, b.len));
    p = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
    report(stdout, "poll", poll(&p, 1, 1000));
    printf("  revents %#x\n", p.revents);
    len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR %s\n", strerror(err));
    report(stdout, "connect after SO_ERROR", connect(fd, (struct sockaddr *)&b.ss, b.len));
    close(fd);

    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    report(stdout, "nonblocking connect", connect(fd, (struct sockaddr *)&a.ss, a.len));
    p = (struct pollfd){ fd, POLLOUT, 0 };
    report(stdout, "poll", poll(&p, 1, 1000));
    printf("  revents %#x\n", p.revents);
    len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR %d\n", err);
    report(stdout, "connect again", connect(fd, (struct sockaddr *)&a.ss, a.len));
    report(stdout, "connect once more", connect(fd, (struct sockaddr *)&a.ss, a.len));
    fd2 = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    report(stdout, "accept", fd2 < 0 ? -1 : 0);
    fcntl(lfd, F_SETFL, O_NONBLOCK);
    report(stdout, "accept nothing", accept(lfd, NULL, NULL));
    fcntl(lfd, F_SETFL, 0);
    struct timeval tv = { 0, 100000 };
    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    report(stdout, "accept timed out", accept(lfd, NULL, NULL));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    report(stdout, "recv timed out", recv(fd, &c, 1, 0));
    tv.tv_usec = 0;
    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    report(stdout, "listener recv", recv(lfd, &c, 1, 0));
    report(stdout, "listener FIONREAD", ioctl(lfd, FIONREAD, &err));

    // The peer closes: a first write goes, the reset comes back, then EPIPE and SIGPIPE.
    close(fd2);
    usleep(50000);
    report(stdout, "read after peer close", read(fd, &c, 1));
    report(stdout, "write after peer close", send(fd, "x", 1, MSG_NOSIGNAL));
    usleep(50000);
    report(stdout, "write after reset", send(fd, "x", 1, MSG_NOSIGNAL));
    signal(SIGPIPE, SIG_IGN);
    report(stdout, "write SIGPIPE ignored", write(fd, "x", 1));
    signal(SIGPIPE, SIG_DFL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        write(fd, "x", 1);      // SIGPIPE's default action ends the child here
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("writer child: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
    close(fd);

    // MSG_PEEK|MSG_WAITALL waits for the whole length, which a forked child sends in two.
    fd = socket(family, SOCK_STREAM, 0);
    connect(fd, (struct sockaddr *)&a.ss, a.len);
    fd2 = accept(lfd, NULL, NULL);
    fflush(stdout);
    if ((pid = fork()) == 0) {
        write(fd, "ab", 2);
        usleep(100000);
        write(fd, "cd", 2);
        _exit(0);
    }
    char four[5] = "";
    report(stdout, "peek waitall", recv(fd2, four, 4, MSG_PEEK | MSG_WAITALL));
    printf("peeked %s\n", four);
    report(stdout, "read", read_full(fd2, four, 4));
    waitpid(pid, &status, 0);
    close(fd);
    close(fd2);

    // SO_LINGER 0: close resets; the peer reads ECONNRESET, then end of file.
    fd = socket(family, SOCK_STREAM, 0);
    connect(fd, (struct sockaddr *)&a.ss, a.len);
    fd2 = accept(lfd, NULL, NULL);
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    usleep(50000);
    p = (struct pollfd){ fd2, POLLIN | POLLOUT | POLLRDHUP, 0 };
    report(stdout, "poll reset", poll(&p, 1, 1000));
    printf("  revents %#x\n", p.revents);
    report(stdout, "read reset", read(fd2, &c, 1));
    report(stdout, "read after reset", read(fd2, &c, 1));
    close(fd2);

    // Unread data at close resets too.
    fd = socket(family, SOCK_STREAM, 0);
    connect(fd, (struct sockaddr *)&a.ss, a.len);
    fd2 = accept(lfd, NULL, NULL);
    write(fd, "unread", 6);
    usleep(50000);
    close(fd2);
    usleep(50000);
    report(stdout, "read after unread close", read(fd, &c, 1));
    close(fd);
    close(lfd);
}

// IPv6 sockets take IPv4 connections unless IPV6_V6ONLY.
static void
dual_stack(void)
{
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
    struct addr a;
    int lfd = socket(AF_INET6, SOCK_STREAM, 0), fd, fd2, v = -1;
    socklen_t len = sizeof(v);
    char buf[64];
    struct sockaddr_storage ss;

    printf("== dual stack\n");
    getsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
    printf("v6only default %d\n", v);
    report(stdout, "bind ::", bind(lfd, (struct sockaddr *)&s6, sizeof(s6)));
    report(stdout, "listen", listen(lfd, 4));
    loopback(AF_INET, &a, port_of(lfd));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    report(stdout, "connect 127.0.0.1", connect(fd, (struct sockaddr *)&a.ss, a.len));
    len = sizeof(ss);
    fd2 = accept(lfd, (struct sockaddr *)&ss, &len);
    printf("accepted family %d len %u %s\n", ss.ss_family, len, name_of(&ss, buf));
    print_names(stdout, "accepted", fd2);
    report(stdout, "bind 0.0.0.0 same port",
           bind(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&a.ss, a.len));
    close(fd);
    close(fd2);
    close(lfd);

    lfd = socket(AF_INET6, SOCK_STREAM, 0);
    v = 1;
    report(stdout, "set v6only", setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)));
    bind(lfd, (struct sockaddr *)&s6, sizeof(s6));
    listen(lfd, 4);
    loopback(AF_INET, &a, port_of(lfd));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    report(stdout, "v6only: connect 127.0.0.1", connect(fd, (struct sockaddr *)&a.ss, a.len));
    close(fd);
    close(lfd);
}

// Many connections at once: hundreds of PCBs, each carrying its number
// there and back, then closed in a different order.
static void
many(int family)
{
    enum { N = 300 };
    static int c[N], sv[N];
    struct addr a;
    int lfd = listener(family, &a), ok = 0;

    printf("== %d connections, family %d\n", N, family);
    for (int i = 0; i < N; i++) {
        c[i] = socket(family, SOCK_STREAM, 0);
        if (connect(c[i], (struct sockaddr *)&a.ss, a.len) < 0 ||
            (sv[i] = accept(lfd, NULL, NULL)) < 0) {
            printf("connection %d: %s\n", i, strerror(errno));
            return;
        }
    }
    for (int i = 0; i < N; i++)
        write(c[i], &i, sizeof(i));
    for (int i = N - 1; i >= 0; i--) {
        int v = -1;
        read(sv[i], &v, sizeof(v));
        v += 1000;
        write(sv[i], &v, sizeof(v));
    }
    for (int i = 0; i < N; i++) {
        int v = -1;
        read(c[i], &v, sizeof(v));
        ok += v == i + 1000;
        close(i % 2 ? c[i] : sv[i]);
    }
    for (int i = 0; i < N; i++)
        close(i % 2 ? sv[i] : c[i]);
    printf("answered: %d\n", ok);
    close(lfd);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    exchange_threads(AF_INET);
    exchange_threads(AF_INET6);
    exchange_fork(AF_INET);
    exchange_fork(AF_INET6);
    errors(AF_INET);
    errors(AF_INET6);
    dual_stack();
    many(AF_INET);
    many(AF_INET6);
    return 0;
}
