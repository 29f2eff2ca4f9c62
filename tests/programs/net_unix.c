// AF_UNIX sockets in one process: socketpair of each type (data, message
// boundaries, MSG_PEEK/MSG_TRUNC/MSG_DONTWAIT, FIONREAD, shutdown, close),
// SOL_SOCKET options, names (paths, abstract, autobind) with connect's and
// bind's errors, datagram peers, poll readiness, and bad arguments.
// argv[1] picks a part: pair, opts, names, dgram, poll, errors.
#include "net_check.h"
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <sys/uio.h>
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ      // linux/sockios.h, which musl does not ship
#endif

#define DIR "/tmp/pkgload-net_unix"

static int sigpipes;

static void
on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static void
pair_stream(void)
{
    int sv[2], n = -1;
    char buf[64];

    NCHECK("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    NCHECK("write", write(sv[0], "hello", 5));
    NCHECK("send", send(sv[0], " world", 6, 0));
    NCHECK("FIONREAD", ioctl(sv[1], FIONREAD, &n));
    printf("  unread %d\n", n);
    NCHECK("SIOCOUTQ", ioctl(sv[0], SIOCOUTQ, &n));
    printf("  in flight %d\n", n > 0);
    NCHECK("recv PEEK", recv(sv[1], buf, sizeof(buf), MSG_PEEK));
    NCHECK("read 3", read(sv[1], buf, 3));
    NCHECK("recv rest", recv(sv[1], buf, sizeof(buf), 0));
    printf("  got %.8s\n", buf);
    NCHECK("SIOCOUTQ", ioctl(sv[0], SIOCOUTQ, &n));
    printf("  in flight %d\n", n);
    NCHECK("recv DONTWAIT", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
    NCHECK("recv 0 bytes, none queued", recv(sv[1], buf, 0, MSG_DONTWAIT));
    NCHECK("write", write(sv[0], "z", 1));
    NCHECK("recv 0 bytes", recv(sv[1], buf, 0, 0));
    NCHECK("recv z", recv(sv[1], buf, 1, 0));
    NCHECK("shutdown WR", shutdown(sv[0], SHUT_WR));
    NCHECK("read after peer SHUT_WR", read(sv[1], buf, sizeof(buf)));
    NCHECK("send after SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
    NCHECK("reverse direction", write(sv[1], "back", 4));
    NCHECK("read reverse", read(sv[0], buf, sizeof(buf)));
    NCHECK("shutdown bad how", shutdown(sv[0], 7));
    close(sv[1]);
    NCHECK("write to closed peer", write(sv[0], "x", 1));
    printf("  SIGPIPEs %d\n", sigpipes);
    NCHECK("send NOSIGNAL to closed peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("  SIGPIPEs %d\n", sigpipes);
    close(sv[0]);

    // Closing with unread bytes: the peer sees ECONNRESET, then end of file.
    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    NCHECK("write", write(sv[0], "unread", 6));
    NCHECK("write back", write(sv[1], "data", 4));
    close(sv[1]);
    NCHECK("read queued data", read(sv[0], buf, sizeof(buf)));
    NCHECK("read after reset", read(sv[0], buf, sizeof(buf)));
    NCHECK("read again", read(sv[0], buf, sizeof(buf)));
    close(sv[0]);
}

static void
pair_messages(int type, const char *name)
{
    int sv[2], n = -1;
    char buf[64];
    struct iovec iov = { buf, 4 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

    printf("%s:\n", name);
    NCHECK("socketpair", socketpair(AF_UNIX, type, 0, sv));
    NCHECK("send 5", send(sv[0], "first", 5, 0));
    NCHECK("send 6", send(sv[0], "second", 6, 0));
    NCHECK("send 0", send(sv[0], "", 0, 0));
    NCHECK("FIONREAD", ioctl(sv[1], FIONREAD, &n));
    printf("  next %d\n", n);
    NCHECK("recv 64", recv(sv[1], buf, sizeof(buf), 0));
    NCHECK("recvmsg 4 of 6", recvmsg(sv[1], &mh, 0));
    printf("  flags %#x trunc %d\n", mh.msg_flags, !!(mh.msg_flags & MSG_TRUNC));
    NCHECK("recv empty message", recv(sv[1], buf, sizeof(buf), 0));
    {
        static char big[10000];
        struct iovec two[2] = { { big, 3000 }, { big + 3000, 7000 } };
        NCHECK("write 10000", write(sv[0], big, sizeof(big)));
        NCHECK("writev 3000+7000", writev(sv[0], two, 2));
        NCHECK("write 0", write(sv[0], big, 0));
        NCHECK("read 0", read(sv[1], big, 0));
        NCHECK("read 10000", read(sv[1], big, sizeof(big)));
        NCHECK("readv 10000", readv(sv[1], two, 2));
        NCHECK("read empty datagram", read(sv[1], big, sizeof(big)));
    }
    NCHECK("send 7", send(sv[0], "seventh", 7, 0));
    NCHECK("recv TRUNC 2", recv(sv[1], buf, 2, MSG_TRUNC));
    NCHECK("send 3", send(sv[0], "abc", 3, 0));
    NCHECK("recv PEEK", recv(sv[1], buf, sizeof(buf), MSG_PEEK));
    NCHECK("recv", recv(sv[1], buf, sizeof(buf), 0));
    NCHECK("recv DONTWAIT", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
    NCHECK("shutdown peer WR", shutdown(sv[1], SHUT_WR));
    NCHECK("peer sends after its SHUT_WR", send(sv[1], "x", 1, 0));
    NCHECK("send to peer that shut down WR", send(sv[0], "y", 1, 0));
    NCHECK("recv", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
    sigpipes = 0;
    close(sv[1]);
    NCHECK("send to closed peer", send(sv[0], "x", 1, 0));
    printf("  SIGPIPEs %d\n", sigpipes);
    NCHECK("send to closed peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
    NCHECK("recv from closed peer", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
    close(sv[0]);
}

static void
pair_part(void)
{
    int sv[2];
    struct stat st;
    char link[64], path[64];
    ssize_t n;

    signal(SIGPIPE, on_sigpipe);
    pair_stream();
    pair_messages(SOCK_DGRAM, "dgram");
    pair_messages(SOCK_SEQPACKET, "seqpacket");
    NCHECK("socketpair NONBLOCK|CLOEXEC",
           socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("  O_NONBLOCK %d FD_CLOEXEC %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK),
           fcntl(sv[1], F_GETFD));
    NCHECK("fstat", fstat(sv[0], &st));
    printf("  sock %d mode %o nlink %d\n", S_ISSOCK(st.st_mode), st.st_mode & 07777,
           (int)st.st_nlink);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", sv[0]);
    n = readlink(path, link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = 0;
    printf("  fd link starts socket:[ %d\n", !strncmp(link, "socket:[", 8));
    NCHECK("read nonblocking empty", read(sv[0], link, 1));
    close(sv[0]), close(sv[1]);
}

static void
opts_part(void)
{
    int sv[2], v;
    struct timeval tv = { 0, 250000 }, back;
    socklen_t len;
    struct ucred cred;
    struct linger lg = { 1, 5 };
    char buf[8];

    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    show_int_opt("SO_TYPE", sv[0], SOL_SOCKET, SO_TYPE);
    show_int_opt("SO_DOMAIN", sv[0], SOL_SOCKET, SO_DOMAIN);
    show_int_opt("SO_PROTOCOL", sv[0], SOL_SOCKET, SO_PROTOCOL);
    show_int_opt("SO_ACCEPTCONN", sv[0], SOL_SOCKET, SO_ACCEPTCONN);
    show_int_opt("SO_ERROR", sv[0], SOL_SOCKET, SO_ERROR);
    show_int_opt("SO_SNDBUF", sv[0], SOL_SOCKET, SO_SNDBUF);
    show_int_opt("SO_REUSEADDR", sv[0], SOL_SOCKET, SO_REUSEADDR);
    v = 1;
    NCHECK("set SO_REUSEADDR", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
    show_int_opt("SO_REUSEADDR", sv[0], SOL_SOCKET, SO_REUSEADDR);
    NCHECK("set SO_KEEPALIVE", setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
    show_int_opt("SO_KEEPALIVE", sv[0], SOL_SOCKET, SO_KEEPALIVE);
    v = 50000;
    NCHECK("set SO_RCVBUF", setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
    show_int_opt("SO_RCVBUF", sv[0], SOL_SOCKET, SO_RCVBUF);
    NCHECK("set SO_SNDBUF", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
    show_int_opt("SO_SNDBUF", sv[0], SOL_SOCKET, SO_SNDBUF);
    NCHECK("set SO_RCVBUF short", setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, 2));
    NCHECK("set SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    len = sizeof(back);
    NCHECK("get SO_RCVTIMEO", getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &back, &len));
    printf("  %ld.%06ld len %u\n", (long)back.tv_sec, (long)back.tv_usec, (unsigned)len);
    NCHECK("recv times out", recv(sv[0], buf, 1, 0));
    tv.tv_usec = 1000000;
    NCHECK("set SO_RCVTIMEO usec 1e6", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    NCHECK("set SO_LINGER", setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
    len = sizeof(lg);
    memset(&lg, 0, sizeof(lg));
    NCHECK("get SO_LINGER", getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, &len));
    printf("  onoff %d linger %d\n", lg.l_onoff, lg.l_linger);
    len = sizeof(cred);
    NCHECK("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len));
    printf("  pid ok %d uid %u gid %u len %u\n", cred.pid == (pid_t)getpid(), cred.uid, cred.gid,
           (unsigned)len);
    len = 2;
    v = -1;
    NCHECK("SO_TYPE into 2 bytes", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    printf("  len %u\n", (unsigned)len);
    len = -1;
    NCHECK("getsockopt negative len", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    NCHECK("unknown SOL_SOCKET option", getsockopt(sv[0], SOL_SOCKET, 9999, &v, &(socklen_t){ 4 }));
    NCHECK("SOL_IP on unix", getsockopt(sv[0], 0, 1, &v, &(socklen_t){ 4 }));
    NCHECK("set SOL_IP on unix", setsockopt(sv[0], 0, 1, &v, 4));
    NCHECK("set negative optlen", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, -1));
    len = 4;
    NCHECK("getsockopt bad ptr", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, (void *)8, &len));
    close(sv[0]), close(sv[1]);
}

static void
show_name(const char *what, int fd, bool peer)
{
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    int r;

    memset(&a, 'x', sizeof(a));
    r = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
             : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0) {
        printf("%s: -1 %s\n", what, net_errno_name(errno));
        return;
    }
    printf("%s: len %u family %d", what, (unsigned)len, a.sun_family);
    if (len > 2 && a.sun_path[0])
        printf(" path %s", a.sun_path);
    else if (len > 2)
        printf(" abstract %d bytes", (int)len - 3);
    printf("\n");
}

static void
names_paths(void)
{
    struct sockaddr_un a, b;
    socklen_t alen = unix_addr(&a, "srv.sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0), c, s, d, f;
    struct stat st;
    char buf[16];

    show_name("unbound name", l, false);
    NCHECK("listen unbound", listen(l, 5));
    NCHECK("bind", bind(l, (struct sockaddr *)&a, alen));
    NCHECK("stat node", stat("srv.sock", &st));
    printf("  sock %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 07777);
    show_name("bound name", l, false);
    NCHECK("bind again", bind(l, (struct sockaddr *)&a, alen));
    unix_addr(&b, "other.sock");
    NCHECK("bind bound socket elsewhere", bind(l, (struct sockaddr *)&b, sizeof(b)));
    NCHECK("other.sock left", access("other.sock", F_OK));
    NCHECK("accept before listen", accept(l, NULL, NULL));
    NCHECK("listen", listen(l, 0));
    show_int_opt("SO_ACCEPTCONN", l, SOL_SOCKET, SO_ACCEPTCONN);
    NCHECK("listen again", listen(l, 1));
    NCHECK("listen back to 0", listen(l, 0));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    NCHECK("open socket node", open("srv.sock", O_RDWR));
    NCHECK("connect", connect(c, (struct sockaddr *)&a, alen));
    show_name("client peer", c, true);
    show_name("client name", c, false);
    d = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    NCHECK("connect to full backlog", connect(d, (struct sockaddr *)&a, alen));
    NCHECK("send before accept", send(c, "early", 5, 0));
    s = accept4(l, (struct sockaddr *)&b, &(socklen_t){ sizeof(b) }, SOCK_CLOEXEC);
    NCHECK("accept4", s >= 0 ? 0 : -1);
    printf("  cloexec %d family %d\n", fcntl(s, F_GETFD), b.sun_family);
    NCHECK("connect again", connect(c, (struct sockaddr *)&a, alen));
    show_name("accepted name", s, false);
    show_name("accepted peer", s, true);
    NCHECK("recv early data", recv(s, buf, sizeof(buf), 0));
    NCHECK("connect now", connect(d, (struct sockaddr *)&a, alen));
    NCHECK("accept nonblock", accept4(l, NULL, NULL, SOCK_NONBLOCK) >= 0 ? 0 : -1);
    fcntl(l, F_SETFL, O_NONBLOCK);
    NCHECK("accept empty nonblocking", accept(l, NULL, NULL));
    NCHECK("accept4 bad flags", accept4(l, NULL, NULL, 0x1234));
    NCHECK("unlink node", unlink("srv.sock"));
    NCHECK("connect after unlink",
           connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
    NCHECK("old connection still works", send(c, "still", 5, 0));
    NCHECK("recv", recv(s, buf, sizeof(buf), 0));
    NCHECK("bind new name", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
    NCHECK("connect to unlistened name",
           connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
    close(l);
    NCHECK("file", f = open("plain", O_CREAT | O_WRONLY, 0644));
    close(f);
    unix_addr(&b, "plain");
    NCHECK("connect to a regular file",
           connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&b, sizeof(b)));
    unix_addr(&b, "missing/x.sock");
    NCHECK("connect to a missing path",
           connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&b, sizeof(b)));
    NCHECK("bind in a missing folder",
           bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&b, sizeof(b)));
    unix_addr(&b, "plain");
    NCHECK("bind over a file",
           bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&b, sizeof(b)));
}

static void
names_abstract(void)
{
    struct sockaddr_un a, b;
    socklen_t alen = abstract_addr(&a, "pkgload-net-unix-test");
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0), c, d, s;
    char buf[16];

    NCHECK("bind abstract", bind(l, (struct sockaddr *)&a, alen));
    show_name("abstract name", l, false);
    NCHECK("bind same abstract",
           bind(socket(AF_UNIX, SOCK_SEQPACKET, 0), (struct sockaddr *)&a, alen));
    NCHECK("listen", listen(l, 4));
    NCHECK("stream connect to seqpacket",
           connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
    c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    NCHECK("send unconnected seqpacket", send(c, "x", 1, MSG_NOSIGNAL));
    NCHECK("recv unconnected seqpacket", recv(c, buf, 1, MSG_DONTWAIT));
    NCHECK("connect", connect(c, (struct sockaddr *)&a, alen));
    NCHECK("accept", (s = accept(l, NULL, NULL)) >= 0 ? 0 : -1);
    NCHECK("send 3", send(c, "one", 3, 0));
    NCHECK("send 5", send(c, "three", 5, 0));
    NCHECK("recv 2 of 3", recv(s, buf, 2, 0));
    NCHECK("recv 5", recv(s, buf, sizeof(buf), 0));
    close(l);
    NCHECK("connect after close",
           connect(socket(AF_UNIX, SOCK_SEQPACKET, 0), (struct sockaddr *)&a, alen));
    NCHECK("name free again",
           bind(d = socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
    close(d);
    NCHECK("autobind", bind(d = socket(AF_UNIX, SOCK_DGRAM, 0),
                            (struct sockaddr *)&(sa_family_t){ AF_UNIX }, 2));
    show_name("autobound", d, false);
    NCHECK("autobind again", bind(d, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, 2));
    NCHECK("bind autobound", bind(d, (struct sockaddr *)&a, alen));
    memset(&b, 0, sizeof(b));
    b.sun_family = AF_INET;
    NCHECK("bind wrong family",
           bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&b, sizeof(b)));
    NCHECK("bind length 1", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, 1));
    NCHECK("bind too long",
           bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof(a) + 1));
    NCHECK("bind huge length", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, 4096));
    NCHECK("connect bad address", connect(socket(AF_UNIX, SOCK_STREAM, 0), BAD_PTR, alen));
}

// connect(2) needs write permission on the node: a child as nobody.
static void
names_permission(void)
{
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, "perm.sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0), status;

    NCHECK("bind", bind(l, (struct sockaddr *)&a, alen));
    NCHECK("listen", listen(l, 4));
    NCHECK("chmod 0555", chmod("perm.sock", 0555));
    if (fork() == 0) {
        if (setuid(65534) < 0)
            _exit(2);
        NCHECK("connect as nobody",
               connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
        fflush(stdout);
        _exit(0);
    }
    wait(&status);
    printf("  child status %d\n", status);
    close(l);
}

static void
names_part(void)
{
    enter_scratch(DIR);
    names_paths();
    names_abstract();
    names_permission();
    leave_scratch(DIR);
}

static void
dgram_part(void)
{
    struct sockaddr_un a, from;
    socklen_t alen = abstract_addr(&a, "pkgload-dgram"), flen;
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
    int t = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0), i, n;
    char buf[300000];

    NCHECK("bind", bind(r, (struct sockaddr *)&a, alen));
    NCHECK("send unconnected", send(s, "x", 1, 0));
    NCHECK("sendto", sendto(s, "hello", 5, 0, (struct sockaddr *)&a, alen));
    flen = sizeof(from);
    NCHECK("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
    printf("  from len %u\n", (unsigned)flen);
    NCHECK("connect", connect(s, (struct sockaddr *)&a, alen));
    NCHECK("send connected", send(s, "again", 5, 0));
    NCHECK("recv", recv(r, buf, sizeof(buf), 0));
    NCHECK("connect receiver to t", connect(r, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, 2));
    NCHECK("autobind t", bind(t, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, 2));
    {
        struct sockaddr_un ta;
        socklen_t tl = sizeof(ta);
        getsockname(t, (struct sockaddr *)&ta, &tl);
        NCHECK("connect receiver to t", connect(r, (struct sockaddr *)&ta, tl));
        NCHECK("s sends to r connected elsewhere", send(s, "x", 1, 0));
        NCHECK("t sends to r", sendto(t, "from t", 6, 0, (struct sockaddr *)&a, alen));
        flen = sizeof(from);
        NCHECK("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
        printf("  from len %u same %d\n", (unsigned)flen, flen == tl && !memcmp(&from, &ta, tl));
    }
    NCHECK("disconnect r",
           connect(r, (struct sockaddr *)&(struct sockaddr){ AF_UNSPEC }, sizeof(struct sockaddr)));
    NCHECK("s sends again", send(s, "x", 1, 0));
    NCHECK("recv", recv(r, buf, sizeof(buf), 0));
    NCHECK("too big", send(s, buf, sizeof(buf), 0));
    for (i = 0, n = 0; i < 40; i++)
        if (sendto(t, "q", 1, 0, (struct sockaddr *)&a, alen) == 1)
            n++;
        else
            break;
    printf("queued before EAGAIN: %d (%s)\n", n, net_errno_name(errno));
    show_poll("t poll", t, POLLOUT);
    n = -1;
    NCHECK("FIONREAD", ioctl(r, FIONREAD, &n));
    printf("  next %d\n", n);
    close(r);
    NCHECK("send to closed", send(s, "x", 1, 0));
    NCHECK("send again", send(s, "x", 1, 0));
    NCHECK("sendto closed name", sendto(t, "q", 1, 0, (struct sockaddr *)&a, alen));
    NCHECK("sendto bad name", sendto(t, "q", 1, 0, (struct sockaddr *)&a, 1));
    NCHECK("listen on dgram", listen(t, 1));
    NCHECK("accept on dgram", accept(t, NULL, NULL));
    close(s), close(t);
}

static void
poll_part(void)
{
    int sv[2], l, c, ep, n;
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "pkgload-poll");
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[4];
    char buf[16];

    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    show_poll("idle", sv[0], POLLIN | POLLOUT | POLLRDHUP);
    write(sv[1], "x", 1);
    show_poll("data", sv[0], POLLIN | POLLOUT | POLLRDHUP);
    ep = epoll_create1(0);
    ev.data.fd = sv[0];
    NCHECK("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
    NCHECK("epoll_wait ET", epoll_wait(ep, out, 4, 0));
    NCHECK("epoll_wait ET again", epoll_wait(ep, out, 4, 0));
    write(sv[1], "y", 1);
    NCHECK("epoll_wait after new data", epoll_wait(ep, out, 4, 0));
    read(sv[0], buf, sizeof(buf));
    shutdown(sv[1], SHUT_WR);
    show_poll("peer SHUT_WR", sv[0], POLLIN | POLLOUT | POLLRDHUP);
    n = epoll_wait(ep, out, 4, 0);
    printf("epoll after SHUT_WR: %d events %#x\n", n, n > 0 ? out[0].events : 0);
    close(sv[1]);
    show_poll("peer closed", sv[0], POLLIN | POLLOUT | POLLRDHUP);
    close(sv[0]);
    close(ep);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show_poll("unconnected stream", c, POLLIN | POLLOUT);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 4);
    show_poll("listener idle", l, POLLIN | POLLOUT);
    connect(c, (struct sockaddr *)&a, alen);
    show_poll("listener pending", l, POLLIN | POLLOUT);
    show_poll("client connected", c, POLLIN | POLLOUT);
    close(accept(l, NULL, NULL));
    show_poll("client after server close", c, POLLIN | POLLOUT | POLLRDHUP);
    NCHECK("recv", recv(c, buf, sizeof(buf), 0));
    close(c), close(l);
    NCHECK("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    show_poll("dgram idle", sv[0], POLLIN | POLLOUT);
    close(sv[1]);
    show_poll("dgram peer closed", sv[0], POLLIN | POLLOUT);
    close(sv[0]);
}

static void
errors_part(void)
{
    int sv[2], f = open("/dev/null", O_RDONLY);
    char buf[4];
    struct msghdr mh = { 0 };
    struct iovec iov = { buf, 4 };

    NCHECK("socket bad domain", socket(12345, SOCK_STREAM, 0));
    NCHECK("socket AF_UNIX bad type", socket(AF_UNIX, 9, 0));
    NCHECK("socket type out of range", socket(AF_UNIX, 15, 0));
    NCHECK("socket bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
    NCHECK("socket bad protocol", socket(AF_UNIX, SOCK_STREAM, 7));
    NCHECK("socket protocol AF_UNIX", socket(AF_UNIX, SOCK_STREAM, AF_UNIX) >= 0 ? 0 : -1);
    NCHECK("socket SOCK_RAW", socket(AF_UNIX, SOCK_RAW, 0) >= 0 ? 0 : -1);
    int *volatile bad = (int *)BAD_PTR;
    NCHECK("socketpair bad pointer", socketpair(AF_UNIX, SOCK_STREAM, 0, bad));
    NCHECK("socketpair bad domain", socketpair(12345, SOCK_STREAM, 0, sv));
    NCHECK("bind bad fd", bind(999, NULL, 0));
    NCHECK("bind not a socket", bind(f, NULL, 0));
    NCHECK("connect not a socket", connect(f, NULL, 0));
    NCHECK("listen not a socket", listen(f, 1));
    NCHECK("accept not a socket", accept(f, NULL, NULL));
    NCHECK("accept4 not a socket, bad flags", accept4(f, NULL, NULL, 0x1234));
    NCHECK("accept4 bad fd, bad flags", accept4(999, NULL, NULL, 0x1234));
    NCHECK("send not a socket", send(f, "x", 1, 0));
    NCHECK("recv bad fd", recv(-1, buf, 1, 0));
    NCHECK("shutdown not a socket", shutdown(f, SHUT_RD));
    NCHECK("getsockname not a socket", getsockname(f, NULL, NULL));
    NCHECK("setsockopt bad fd", setsockopt(999, SOL_SOCKET, SO_REUSEADDR, buf, 4));
    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    NCHECK("send bad buffer", send(sv[0], BAD_PTR, 10, 0));
    NCHECK("sendmsg bad header", sendmsg(sv[0], BAD_PTR, 0));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 2000;
    NCHECK("sendmsg too many iovecs", sendmsg(sv[0], &mh, 0));
    mh.msg_iovlen = 1;
    mh.msg_control = buf;
    mh.msg_controllen = 100000;
    NCHECK("sendmsg huge control", sendmsg(sv[0], &mh, 0));
    mh.msg_controllen = 0;
    NCHECK("sendmsg ok", sendmsg(sv[0], &mh, 0));
    NCHECK("recv bad buffer", recv(sv[1], BAD_PTR, 4, 0));
    NCHECK("getsockname bad len ptr", getsockname(sv[0], (struct sockaddr *)buf, BAD_PTR));
    NCHECK("getpeername negative len",
           getpeername(sv[0], (struct sockaddr *)buf, &(socklen_t){ -1 }));
    NCHECK("getpeername unconnected",
           getpeername(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)buf, &(socklen_t){ 4 }));
    NCHECK("sendto on connected stream",
           sendto(sv[0], "x", 1, 0, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, 2));
    NCHECK("send unconnected stream", send(socket(AF_UNIX, SOCK_STREAM, 0), "x", 1, MSG_NOSIGNAL));
    NCHECK("recv unconnected stream", recv(socket(AF_UNIX, SOCK_STREAM, 0), buf, 1, 0));
    NCHECK("lseek socket", lseek(sv[0], 0, SEEK_SET));
}

int
main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "pair";

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(part, "pair"))
        pair_part();
    else if (!strcmp(part, "opts"))
        opts_part();
    else if (!strcmp(part, "names"))
        names_part();
    else if (!strcmp(part, "dgram"))
        dgram_part();
    else if (!strcmp(part, "poll"))
        poll_part();
    else if (!strcmp(part, "errors"))
        errors_part();
    else
        return 2;
    return 0;
}
