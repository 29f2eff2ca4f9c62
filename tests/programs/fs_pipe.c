// Pipes: pipe/pipe2 and their flags, reads and writes through the ring,
// ioctl FIONREAD/FIONBIO (and TCGETS: ENOTTY on anything not a terminal),
// ESPIPE for seeks, EPIPE once the reader is gone, and fstat's file type.
#include "fs_check.h"
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

#define DIR "/tmp/pkgload-fs_pipe"

static void
show_fionread(const char *name, int fd)
{
    int n = -1;

    if (ioctl(fd, FIONREAD, &n) < 0)
        printf("%s: -1 %s\n", name, errno_name(errno));
    else
        printf("%s: %d\n", name, n);
}

static void
basics(void)
{
    int p[2];
    char buf[64];
    struct stat st;

    CHECK("pipe", pipe(p));
    printf("fds: %d %d\n", p[0], p[1]);
    printf("flags: rd acc=%d wr acc=%d cloexec=%d\n", fcntl(p[0], F_GETFL) & O_ACCMODE,
           fcntl(p[1], F_GETFL) & O_ACCMODE, fcntl(p[0], F_GETFD));
    fstat(p[0], &st);
    printf("fstat: fifo=%d mode=%04o\n", S_ISFIFO(st.st_mode), st.st_mode & 07777);
    show_fionread("FIONREAD empty", p[0]);
    CHECK("write", write(p[1], "hello pipe", 10));
    show_fionread("FIONREAD", p[0]);
    show_fionread("FIONREAD on the write end", p[1]);
    CHECK("read 5", read(p[0], buf, 5));
    show_fionread("FIONREAD", p[0]);
    CHECK("read rest", read(p[0], buf, sizeof(buf)));
    CHECK("write on the read end", write(p[0], "x", 1));
    CHECK("read on the write end", read(p[1], buf, 1));
    CHECK("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
    CHECK("lseek SEEK_CUR on a pipe", lseek(p[1], 0, SEEK_CUR));
    CHECK("pread on a pipe", pread(p[0], buf, 1, 0));
    CHECK("pwrite on a pipe", pwrite(p[1], buf, 1, 0));
    CHECK("TCGETS on a pipe", ioctl(p[0], TCGETS, &(struct termios){ 0 }));
    CHECK("tcgetattr on a pipe", tcgetattr(p[0], &(struct termios){ 0 }));
    printf("isatty: %d %s\n", isatty(p[0]), errno_name(errno));
    CHECK("ioctl unknown request", ioctl(p[0], 0x12345678, 0));
    CHECK("ioctl bad fd", ioctl(99, FIONREAD, &(int){ 0 }));
    CHECK("FIONREAD bad pointer", syscall(SYS_ioctl, p[0], FIONREAD, BAD_PTR));
    CHECK("close both", close(p[0]) + close(p[1]));
}

static void
flags_and_nonblocking(void)
{
    int p[2], on = 1;
    char buf[8];

    CHECK("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK));
    printf("flags: nonblock=%d %d cloexec=%d %d\n", !!(fcntl(p[0], F_GETFL) & O_NONBLOCK),
           !!(fcntl(p[1], F_GETFL) & O_NONBLOCK), fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    CHECK("read empty, nonblocking", read(p[0], buf, sizeof(buf)));
    close(p[0]);
    close(p[1]);
    CHECK("pipe2 bad flag", pipe2(p, O_APPEND));
    CHECK("pipe bad pointer", syscall(SYS_pipe, BAD_PTR));
    CHECK("pipe2 bad pointer", syscall(SYS_pipe2, BAD_PTR, 0));
    CHECK("pipe2 0", pipe2(p, 0));
    CHECK("FIONBIO on", ioctl(p[0], FIONBIO, &on));
    printf("nonblock after FIONBIO: %d\n", !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    CHECK("read empty after FIONBIO", read(p[0], buf, sizeof(buf)));
    on = 0;
    CHECK("FIONBIO off", ioctl(p[0], FIONBIO, &on));
    printf("nonblock after FIONBIO off: %d\n", !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    CHECK("FIONBIO bad pointer", syscall(SYS_ioctl, p[0], FIONBIO, BAD_PTR));
    CHECK("FIOCLEX", ioctl(p[1], FIOCLEX));
    printf("cloexec after FIOCLEX: %d\n", fcntl(p[1], F_GETFD));
    close(p[0]);
    close(p[1]);
}

static void
ends(void)
{
    int p[2];
    char buf[8];
    struct pollfd pfd;

    pipe(p);
    write(p[1], "xy", 2);
    close(p[1]);
    pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
    CHECK("poll after the writer closed", poll(&pfd, 1, 0));
    printf("revents: in=%d hup=%d\n", !!(pfd.revents & POLLIN), !!(pfd.revents & POLLHUP));
    CHECK("read buffered data", read(p[0], buf, sizeof(buf)));
    CHECK("read at end of file", read(p[0], buf, sizeof(buf)));
    close(p[0]);
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECK("write with no reader", write(p[1], "x", 1));
    pfd = (struct pollfd){ .fd = p[1], .events = POLLOUT };
    CHECK("poll the writer", poll(&pfd, 1, 0));
    printf("revents: out=%d err=%d\n", !!(pfd.revents & POLLOUT), !!(pfd.revents & POLLERR));
    close(p[1]);
}

static void
capacity(void)
{
    static char big[70000];
    int p[2];
    long total = 0, n;

    pipe2(p, O_NONBLOCK);
    CHECK("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
    while ((n = write(p[1], big, sizeof(big))) > 0)
        total += n;
    printf("filled: %ld then %s\n", total, errno_name(errno));
    show_fionread("FIONREAD full", p[0]);
    CHECK("read 1000", read(p[0], big, 1000));
    CHECK("write 100 into the room", write(p[1], big, 100));
    close(p[0]);
    close(p[1]);
}

int
main(void)
{
    enter_scratch(DIR);
    basics();
    flags_and_nonblocking();
    ends();
    capacity();
    leave_scratch(DIR);
    return 0;
}
