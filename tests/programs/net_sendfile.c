// sendfile(2) from a regular file to a TCP socket over 127.0.0.1: a 24 MiB
// file sent with a NULL offset through a non-blocking socket until EAGAIN
// (more than Linux's or pkgload's buffers hold), then, while a child reads,
// the rest after poll; every byte must arrive once, in order. Then an
// explicit offset (the file position untouched) and the errors.
#include "net_check.h"
#include <netinet/in.h>
#include <sys/sendfile.h>

#define FILE_SIZE (24 << 20)
#define PATH      "/tmp/net_sendfile.data"

static uint64_t
hash_bytes(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

// The file's bytes: a pattern no two neighbouring chunks share.
static uint64_t
make_file(void)
{
    static unsigned char buf[65536];
    uint64_t h = 14695981039346656037ull;
    int fd = open(PATH, O_CREAT | O_TRUNC | O_WRONLY, 0600);

    for (int chunk = 0; chunk < FILE_SIZE / (int)sizeof(buf); chunk++) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (unsigned char)(i * 31 + chunk * 7 + (i >> 9));
        h = hash_bytes(h, buf, sizeof(buf));
        if (write(fd, buf, sizeof(buf)) != sizeof(buf))
            exit(1);
    }
    close(fd);
    return h;
}

// A connected pair over 127.0.0.1: *client (the sender) and *server.
static void
tcp_pair(int *client, int *server)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0);

    if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0)
        exit(1);
    *client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*client, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        (*server = accept(l, NULL, NULL)) < 0)
        exit(1);
    close(l);
}

// The child: wait for GO, read SOCK to its end, print the count and hash.
static void
reader(int sock, int go)
{
    static unsigned char buf[65536];
    uint64_t h = 14695981039346656037ull;
    long total = 0, n;
    char c;

    if (read(go, &c, 1) != 1)
        _exit(1);
    while ((n = read(sock, buf, sizeof(buf))) > 0) {
        h = hash_bytes(h, buf, n);
        total += n;
    }
    printf("reader: %ld bytes, hash %016llx\n", total, (unsigned long long)h);
    fflush(stdout);
    _exit(0);
}

// Send the whole file with a NULL offset: until EAGAIN, then with the reader on.
static void
send_nonblocking(int file, int sock, int go)
{
    long sent = 0, n, calls_before = 0;

    fcntl(sock, F_SETFL, O_NONBLOCK);
    while ((n = sendfile(sock, file, NULL, FILE_SIZE - sent)) > 0) {
        sent += n;
        calls_before++;
    }
    printf("before the reader: EAGAIN %d, all sent %d\n", n < 0 && errno == EAGAIN,
           sent == FILE_SIZE);
    printf("file position = bytes sent: %d\n", lseek(file, 0, SEEK_CUR) == sent);
    if (write(go, "g", 1) != 1)
        exit(1);
    while (sent < FILE_SIZE) {
        struct pollfd p = { sock, POLLOUT, 0 };
        if (poll(&p, 1, 30000) != 1) {
            printf("no room in 30 s\n");
            break;
        }
        if ((n = sendfile(sock, file, NULL, FILE_SIZE - sent)) > 0)
            sent += n;
        else if (n == 0 || errno != EAGAIN)
            break;
    }
    printf("sent %ld, file position %ld\n", sent, (long)lseek(file, 0, SEEK_CUR));
    NCHECK("sendfile at the end of the file", sendfile(sock, file, NULL, 100));
}

static void
big_transfer(uint64_t want)
{
    int client, server, go[2], file = open(PATH, O_RDONLY), status;
    pid_t pid;

    tcp_pair(&client, &server);
    if (pipe(go) < 0)
        exit(1);
    printf("file hash %016llx\n", (unsigned long long)want);
    fflush(stdout);
    if ((pid = fork()) == 0) {
        close(client);
        reader(server, go[0]);
    }
    close(server);
    send_nonblocking(file, client, go[1]);
    close(client);
    waitpid(pid, &status, 0);
    printf("reader status %d\n", status);
    close(file);
}

// An explicit offset: it advances, the file position does not.
static void
with_offset(void)
{
    int client, server, file = open(PATH, O_RDONLY);
    off_t off = 1000;
    unsigned char buf[5000], want[5000];

    tcp_pair(&client, &server);
    lseek(file, 7, SEEK_SET);
    NCHECK("sendfile 5000 at offset 1000", sendfile(client, file, &off, 5000));
    printf("offset now %ld, file position %ld\n", (long)off, (long)lseek(file, 0, SEEK_CUR));
    NCHECK("recv", recv(server, buf, sizeof(buf), MSG_WAITALL));
    NCHECK("pread", pread(file, want, sizeof(want), 1000));
    printf("same bytes %d\n", !memcmp(buf, want, sizeof(buf)));
    NCHECK("count 0", sendfile(client, file, &off, 0));
    off = -1;
    NCHECK("negative offset", sendfile(client, file, &off, 10));
    NCHECK("offset past the end", sendfile(client, file, &(off_t){ FILE_SIZE + 10 }, 10));
    close(client);
    close(server);
    close(file);
}

static void
errors(void)
{
    int p[2], client, server, file = open(PATH, O_RDONLY);

    tcp_pair(&client, &server);
    if (pipe(p) < 0)
        exit(1);
    if (write(p[1], "abc", 3) != 3)
        exit(1);
    NCHECK("from a pipe", sendfile(client, p[0], NULL, 3));
    NCHECK("from a socket", sendfile(client, server, NULL, 3));
    NCHECK("bad in fd", sendfile(client, 99, NULL, 3));
    NCHECK("bad out fd", sendfile(99, file, NULL, 3));
    NCHECK("out not writable", sendfile(file, file, NULL, 3));
    shutdown(client, SHUT_WR);
    signal(SIGPIPE, SIG_IGN);
    NCHECK("to a shut socket", sendfile(client, file, NULL, 3));
    close(client);
    close(server);
    close(file);
    close(p[0]);
    close(p[1]);
}

int
main(void)
{
    uint64_t want = make_file();

    big_transfer(want);
    with_offset();
    errors();
    unlink(PATH);
    return 0;
}
