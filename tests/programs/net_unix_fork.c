// AF_UNIX sockets between processes: SCM_RIGHTS passing open files across
// fork (installed at receive, MSG_CTRUNC when the room is short,
// MSG_CMSG_CLOEXEC), SCM_CREDENTIALS with SO_PASSCRED, a blocked writer
// waiting for room while a megabyte streams through, MSG_WAITALL,
// signals ending blocked receives (SA_RESTART, SO_RCVTIMEO), a connect
// waiting for room in a backlog, sendmmsg and recvmmsg.
// argv[1] picks a part: scm, creds, stream, signal, backlog.
#include "net_check.h"
#include <sys/time.h>

static int
send_fds(int sock, const int *fds, int n, const char *data)
{
    char control[CMSG_SPACE(sizeof(int) * 8)];
    struct iovec iov = { (void *)data, strlen(data) };
    struct msghdr mh = { .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

    memset(control, 0, sizeof(control));
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(sock, &mh, 0);
}

// Receive with ROOM bytes of control; print what came and return the first fd.
static int
recv_fds(int sock, size_t room, int flags)
{
    char control[256], data[64];
    struct iovec iov = { data, sizeof(data) };
    struct msghdr mh = { .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = room ? control : NULL,
                         .msg_controllen = room };
    struct cmsghdr *c;
    int first = -1;
    ssize_t n = recvmsg(sock, &mh, flags);

    if (n < 0) {
        printf("recvmsg: -1 %s\n", net_errno_name(errno));
        return -1;
    }
    printf("recvmsg: %zd '%.*s' flags %#x controllen %zu\n", n, (int)n, data, mh.msg_flags,
           (size_t)mh.msg_controllen);
    for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        printf("  cmsg level %d type %d len %zu fds %d\n", c->cmsg_level, c->cmsg_type,
               (size_t)c->cmsg_len, c->cmsg_type == SCM_RIGHTS ? k : 0);
        if (c->cmsg_type == SCM_RIGHTS && k > 0)
            memcpy(&first, CMSG_DATA(c), sizeof(int));
    }
    return first;
}

static void
scm_part(void)
{
    int sv[2], p[2], fds[3], fd, status;
    char buf[32];

    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    NCHECK("pipe", pipe(p));
    if (fork() == 0) {
        close(sv[0]);
        fd = recv_fds(sv[1], 256, 0);
        NCHECK("child writes the passed pipe", write(fd, "through the pipe", 16));
        fd = recv_fds(sv[1], 256, MSG_CMSG_CLOEXEC);
        printf("  cloexec %d\n", fcntl(fd, F_GETFD));
        recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0);           // room for one of three
        recv_fds(sv[1], 0, 0);                                   // no room at all
        fd = recv_fds(sv[1], 256, 0);                            // a socket of the pair itself
        NCHECK("child writes through the passed socket", write(fd, "via passed", 10));
        _exit(0);
    }
    close(sv[1]);
    // The parent prints only once the child is done, so the lines never interleave.
    long r[5];
    r[0] = send_fds(sv[0], &p[1], 1, "pipe");
    close(p[1]);
    fds[0] = fds[1] = fds[2] = open("/dev/null", O_RDONLY);
    r[1] = send_fds(sv[0], fds, 1, "cloexec");
    r[2] = send_fds(sv[0], fds, 3, "three");
    r[3] = send_fds(sv[0], fds, 1, "noroom");
    r[4] = send_fds(sv[0], &sv[0], 1, "self");
    wait(&status);
    printf("parent sent: %ld %ld %ld %ld %ld\n", r[0], r[1], r[2], r[3], r[4]);
    NCHECK("parent reads the pipe", read(p[0], buf, sizeof(buf)));
    printf("  '%.16s'\n", buf);
    printf("child status %d\n", status);
    NCHECK("read what the child sent", read(sv[0], buf, sizeof(buf)));
    fds[1] = 999;
    NCHECK("send a bad fd", send_fds(sv[0], fds, 2, "bad"));
    close(sv[0]);
}

static void
creds_part(void)
{
    int sv[2], on = 1, status;
    struct ucred cred = { getpid(), getuid(), getgid() };
    char control[CMSG_SPACE(sizeof(cred))], data[8];
    struct iovec iov = { "c", 1 };
    struct msghdr mh = { .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = sizeof(control) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

    NCHECK("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    NCHECK("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
    show_int_opt("SO_PASSCRED", sv[1], SOL_SOCKET, SO_PASSCRED);
    c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_CREDENTIALS,
    c->cmsg_len = CMSG_LEN(sizeof(cred));
    memcpy(CMSG_DATA(c), &cred, sizeof(cred));
    NCHECK("send own credentials", sendmsg(sv[0], &mh, 0));
    NCHECK("send plain", send(sv[0], "p", 1, 0));
    for (int i = 0; i < 2; i++) {
        struct iovec riov = { data, sizeof(data) };
        struct msghdr rh = { .msg_iov = &riov,
                             .msg_iovlen = 1,
                             .msg_control = control,
                             .msg_controllen = sizeof(control) };
        struct ucred got;
        NCHECK("recvmsg", recvmsg(sv[1], &rh, 0));
        c = CMSG_FIRSTHDR(&rh);
        memcpy(&got, CMSG_DATA(c), sizeof(got));
        printf("  type %d pid ok %d uid %u gid %u\n", c->cmsg_type, got.pid == getpid(), got.uid,
               got.gid);
    }
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_len = CMSG_LEN(sizeof(cred)) - 1;
    NCHECK("credentials of bad length", sendmsg(sv[0], &mh, 0));
    c->cmsg_len = 9999;
    NCHECK("cmsg_len past the control", sendmsg(sv[0], &mh, 0));
    c->cmsg_len = CMSG_LEN(sizeof(cred));
    if (fork() == 0) {
        setuid(65534);
        cred.uid = 0;
        memcpy(CMSG_DATA(c), &cred, sizeof(cred));
        NCHECK("nobody claims uid 0", sendmsg(sv[0], &mh, 0));
        _exit(0);
    }
    wait(&status);
    close(sv[0]), close(sv[1]);
}

static unsigned
sum(const unsigned char *p, size_t n, unsigned s)
{
    while (n--)
        s = s * 31 + *p++;
    return s;
}

// A child writes a megabyte through a socket whose buffer holds much less:
// it waits for room each time the parent falls behind.
static void
stream_part(void)
{
    static unsigned char buf[1 << 20];
    int sv[2], status, n = 0;
    size_t got = 0;
    unsigned s = 0;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = i * 7 + (i >> 12);
    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    if (fork() == 0) {
        close(sv[0]);
        NCHECK("child write 1 MiB", write(sv[1], buf, sizeof(buf)));
        _exit(0);
    }
    close(sv[1]);
    usleep(100000);             // let the writer fill the buffer and wait
    while (got < sizeof(buf)) {
        static unsigned char in[70000];
        ssize_t r = recv(sv[0], in, sizeof(in), MSG_WAITALL);
        if (r <= 0)
            break;
        s = sum(in, r, s);
        got += r;
        n++;
    }
    printf("received %zu bytes, checksum %s\n", got, s == sum(buf, sizeof(buf), 0) ? "ok" : "bad");
    NCHECK("end of file", recv(sv[0], buf, 1, 0));
    wait(&status);
    printf("child status %d\n", status);
    close(sv[0]);

    // Non-blocking: the buffer fills, then EAGAIN; poll says not writable.
    NCHECK("socketpair nonblocking", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    while (send(sv[0], buf, 4096, 0) > 0)
        got += 4096;
    printf("filled, then %s\n", net_errno_name(errno));
    show_poll("full writer", sv[0], POLLOUT);
    close(sv[0]), close(sv[1]);
}

static void
on_alarm(int sig)
{
    (void)sig;
}

static void
signal_part(void)
{
    struct sigaction sa = { .sa_handler = on_alarm };
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    struct timeval tv = { 5, 0 };
    int sv[2];
    char c;

    NCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    NCHECK("recv interrupted", recv(sv[0], &c, 1, 0));
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    if (fork() == 0) {
        usleep(300000);
        write(sv[1], "r", 1);
        _exit(0);
    }
    setitimer(ITIMER_REAL, &it, NULL);
    NCHECK("recv restarted", recv(sv[0], &c, 1, 0));
    wait(NULL);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setitimer(ITIMER_REAL, &it, NULL);
    NCHECK("recv with SO_RCVTIMEO not restarted", recv(sv[0], &c, 1, 0));
    close(sv[0]), close(sv[1]);
}

// A connect to a full backlog waits until the listener accepts (unix(7):
// never EINPROGRESS); SO_PEERCRED names the other process on each side.
static void
backlog_part(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "pkgload-backlog");
    int l = socket(AF_UNIX, SOCK_STREAM, 0), c1, c2, s, status;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    pid_t child;
    char buf[8];

    NCHECK("bind", bind(l, (struct sockaddr *)&a, alen));
    NCHECK("listen 0", listen(l, 0));
    c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    NCHECK("first connect", connect(c1, (struct sockaddr *)&a, alen));
    child = fork();
    if (child == 0) {
        usleep(200000);
        s = accept(l, NULL, NULL);
        getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len);
        write(s, cred.pid == getppid() ? "ppid" : "????", 4);
        _exit(0);
    }
    c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    NCHECK("second connect waits for the accept", connect(c2, (struct sockaddr *)&a, alen));
    NCHECK("SO_PEERCRED", getsockopt(c2, SOL_SOCKET, SO_PEERCRED, &cred, &len));
    printf("  peer is the listener's process: %d\n", cred.pid == getpid());
    NCHECK("first connection's reply", read(c1, buf, sizeof(buf)));
    printf("  '%.4s'\n", buf);
    waitpid(child, &status, 0);
    printf("child status %d\n", status);
    NCHECK("first connection closed by the child", read(c1, buf, sizeof(buf)));
    s = accept(l, NULL, NULL);
    NCHECK("second accepted", s >= 0 ? 0 : -1);
    {
        struct mmsghdr mm[3];
        struct iovec iov[3] = { { "m1", 2 }, { "msg2", 4 }, { "3", 1 } };
        char in[3][8];
        int sv[2];
        memset(mm, 0, sizeof(mm));
        socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
        for (int i = 0; i < 3; i++)
            mm[i].msg_hdr.msg_iov = &iov[i], mm[i].msg_hdr.msg_iovlen = 1;
        NCHECK("sendmmsg 3", sendmmsg(sv[0], mm, 3, 0));
        for (int i = 0; i < 3; i++) {
            iov[i].iov_base = in[i], iov[i].iov_len = sizeof(in[i]);
            mm[i].msg_len = 0;
        }
        NCHECK("recvmmsg WAITFORONE", recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL));
        printf("  lengths %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
        NCHECK("recvmmsg empty DONTWAIT", recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL));
    }
    close(l), close(c1), close(c2), close(s);
}

int
main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "scm";

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(part, "scm"))
        scm_part();
    else if (!strcmp(part, "creds"))
        creds_part();
    else if (!strcmp(part, "stream"))
        stream_part();
    else if (!strcmp(part, "signal"))
        signal_part();
    else if (!strcmp(part, "backlog"))
        backlog_part();
    else
        return 2;
    return 0;
}
