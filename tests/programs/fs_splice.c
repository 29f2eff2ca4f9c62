// splice, tee and vmsplice: bytes between a pipe and a file, a socket or
// another pipe, with and without offsets; what each leaves in the pipe and
// where each leaves the file offsets; SPLICE_F_NONBLOCK and O_NONBLOCK on
// empty and full pipes; the end of a pipe with no writer; EPIPE with no
// reader; and every error in Linux's order (EBADF, ESPIPE, EINVAL, EFAULT).
#include "fs_check.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define DIR "/tmp/pkgload-fs_splice"

static int
make_file(const char *name, const char *text)
{
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        perror(name);
        exit(1);
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

// Print what the pipe's read end P holds, consuming it.
static void
show_pipe(const char *name, int p)
{
    char buf[256];
    int flags = fcntl(p, F_GETFL);
    ssize_t n;

    fcntl(p, F_SETFL, flags | O_NONBLOCK);
    n = read(p, buf, sizeof(buf) - 1);
    fcntl(p, F_SETFL, flags);
    if (n < 0)
        printf("%s: empty (%s)\n", name, errno_name(errno));
    else
        printf("%s: \"%.*s\"\n", name, (int)n, buf);
}

static void
show_fd(const char *name, int fd)
{
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof(buf), 0);

    printf("%s: \"%.*s\", offset %ld\n", name, (int)(n < 0 ? 0 : n), buf,
           (long)lseek(fd, 0, SEEK_CUR));
}

static void
file_to_pipe(void)
{
    int p[2], fd = make_file("src", "0123456789abcdefghij");
    loff_t off = 4;

    CHECK("pipe", pipe(p));
    CHECK("splice file to pipe, 5", splice(fd, NULL, p[1], NULL, 5, 0));
    printf("file offset after: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    show_pipe("pipe holds", p[0]);
    CHECK("splice file at offset 4 to pipe, 6", splice(fd, &off, p[1], NULL, 6, 0));
    printf("offset now %ld, file offset still %ld\n", (long)off, (long)lseek(fd, 0, SEEK_CUR));
    show_pipe("pipe holds", p[0]);
    off = 15;
    CHECK("splice past the end's last 5, asked 100", splice(fd, &off, p[1], NULL, 100, 0));
    show_pipe("pipe holds", p[0]);
    off = 100;
    CHECK("splice from beyond the end", splice(fd, &off, p[1], NULL, 10, 0));
    off = -1;
    CHECK("splice negative offset", splice(fd, &off, p[1], NULL, 10, 0));
    CHECK("splice bad offset pointer", syscall(SYS_splice, fd, BAD_PTR, p[1], NULL, 10, 0));
    CHECK("splice offset on the pipe side", splice(fd, NULL, p[1], &(loff_t){ 0 }, 10, 0));
    CHECK("splice length 0", splice(fd, NULL, p[1], NULL, 0, 0));
    CHECK("splice bad flags", splice(fd, NULL, p[1], NULL, 1, 0x100));
    CHECK("splice into the read end", splice(fd, NULL, p[0], NULL, 1, 0));
    CHECK("splice bad fd", splice(99, NULL, p[1], NULL, 1, 0));
    close(fd), close(p[0]), close(p[1]);
}

static void
pipe_to_file(void)
{
    int p[2], fd = make_file("dst", ""), ap;
    loff_t off = 3;

    CHECK("pipe", pipe(p));
    CHECK("write", write(p[1], "hello splice", 12));
    CHECK("splice pipe to file, 5", splice(p[0], NULL, fd, NULL, 5, 0));
    show_fd("file", fd);
    CHECK("splice pipe to file at offset 3, 4", splice(p[0], NULL, fd, &off, 4, 0));
    printf("offset now %ld\n", (long)off);
    show_fd("file", fd);
    CHECK("splice the rest, asked 100", splice(p[0], NULL, fd, NULL, 100, 0));
    show_fd("file", fd);
    CHECK("splice empty pipe, SPLICE_F_NONBLOCK",
          splice(p[0], NULL, fd, NULL, 10, SPLICE_F_NONBLOCK));
    ap = open("dst", O_WRONLY | O_APPEND);
    CHECK("write", write(p[1], "x", 1));
    CHECK("splice to an O_APPEND file", splice(p[0], NULL, ap, NULL, 1, 0));
    CHECK("splice to a read-only file", splice(p[0], NULL, open("dst", O_RDONLY), NULL, 1, 0));
    CHECK("splice file to file", splice(fd, NULL, ap, NULL, 1, 0));
    close(p[1]);
    CHECK("splice pipe with no writer, after its byte", splice(p[0], NULL, fd, NULL, 10, 0));
    CHECK("splice pipe with no writer, empty", splice(p[0], NULL, fd, NULL, 10, 0));
    close(ap), close(fd), close(p[0]);
}

static void
pipe_to_pipe(void)
{
    int a[2], b[2], full[2];
    char page[4096];

    CHECK("pipe a", pipe(a));
    CHECK("pipe b", pipe(b));
    CHECK("write a", write(a[1], "through two pipes", 17));
    CHECK("splice a to b, 7", splice(a[0], NULL, b[1], NULL, 7, 0));
    show_pipe("b holds", b[0]);
    CHECK("tee a to b, 100", tee(a[0], b[1], 100, 0));
    show_pipe("b holds", b[0]);
    show_pipe("a still holds", a[0]);
    CHECK("tee empty a, SPLICE_F_NONBLOCK", tee(a[0], b[1], 10, SPLICE_F_NONBLOCK));
    CHECK("splice empty a, SPLICE_F_NONBLOCK",
          splice(a[0], NULL, b[1], NULL, 10, SPLICE_F_NONBLOCK));
    CHECK("splice a to itself", splice(a[0], NULL, a[1], NULL, 1, 0));
    CHECK("tee a to itself", tee(a[0], a[1], 1, 0));
    CHECK("tee from a file", tee(open(".", O_RDONLY), b[1], 1, 0));
    CHECK("tee bad flags", tee(a[0], b[1], 1, 0x100));
    CHECK("pipe2 nonblocking full", pipe2(full, O_NONBLOCK));
    memset(page, 'z', sizeof(page));
    while (write(full[1], page, sizeof(page)) > 0)
        ;
    CHECK("write a", write(a[1], "more", 4));
    CHECK("splice a into a full O_NONBLOCK pipe", splice(a[0], NULL, full[1], NULL, 4, 0));
    CHECK("tee a into a full O_NONBLOCK pipe", tee(a[0], full[1], 4, 0));
    close(full[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECK("splice into a pipe with no reader", splice(a[0], NULL, full[1], NULL, 4, 0));
    close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(full[1]);
}

static void
sockets(void)
{
    int s[2], p[2];
    char buf[32];

    CHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, s));
    CHECK("pipe", pipe(p));
    CHECK("write pipe", write(p[1], "to a socket", 11));
    CHECK("splice pipe to socket", splice(p[0], NULL, s[0], NULL, 11, 0));
    CHECK("recv", recv(s[1], buf, sizeof(buf), 0));
    printf("socket got \"%.11s\"\n", buf);
    CHECK("send", send(s[1], "from a socket", 13, 0));
    CHECK("splice socket to pipe", splice(s[0], NULL, p[1], NULL, 100, 0));
    show_pipe("pipe holds", p[0]);
    CHECK("splice empty socket, SPLICE_F_NONBLOCK",
          splice(s[0], NULL, p[1], NULL, 100, SPLICE_F_NONBLOCK));
    CHECK("splice socket with an offset", splice(s[0], &(loff_t){ 0 }, p[1], NULL, 100, 0));
    close(s[0]), close(s[1]), close(p[0]), close(p[1]);
}

static void
vmsplice_calls(void)
{
    int p[2];
    char a[] = "vm", b[] = "splice", out1[4] = { 0 }, out2[16] = { 0 };
    struct iovec in[2] = { { a, 2 }, { b, 6 } }, out[2] = { { out1, 3 }, { out2, sizeof(out2) } };

    CHECK("pipe", pipe(p));
    CHECK("vmsplice two iovecs in", vmsplice(p[1], in, 2, 0));
    CHECK("vmsplice out into two iovecs", vmsplice(p[0], out, 2, 0));
    printf("got \"%s\" \"%s\"\n", out1, out2);
    CHECK("vmsplice out of an empty pipe, SPLICE_F_NONBLOCK",
          vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK));
    CHECK("vmsplice 0 iovecs", vmsplice(p[1], in, 0, 0));
    CHECK("vmsplice bad iovec pointer", syscall(SYS_vmsplice, p[1], BAD_PTR, 1, 0));
    CHECK("vmsplice bad flags", vmsplice(p[1], in, 1, 0x100));
    CHECK("vmsplice on a file", vmsplice(open(".", O_RDONLY), in, 1, 0));
    CHECK("vmsplice too many iovecs", vmsplice(p[1], in, 1025, 0));
    close(p[0]), close(p[1]);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    remove_tree(DIR);
    if (mkdir(DIR, 0755) < 0 || chdir(DIR) < 0) {
        perror(DIR);
        return 1;
    }
    file_to_pipe();
    pipe_to_file();
    pipe_to_pipe();
    sockets();
    vmsplice_calls();
    chdir("/");
    remove_tree(DIR);
    return 0;
}
