// Pipes: pipe/pipe2 and their flags, reads and writes through the ring,
// ioctl FIONREAD/FIONBIO (and TCGETS: ENOTTY on anything not a terminal),
// ESPIPE for seeks, EPIPE once the reader is gone, and fstat's file type;
// named FIFOs and the other nodes mknod makes (opens that would wait for
// the other end of a FIFO are left out: one process cannot be both).
#include "fs_check.h"
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
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

static void
show_node(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        printf("lstat %s: -1 %s\n", path, errno_name(errno));
        return;
    }
    printf("lstat %s: fifo=%d sock=%d chr=%d reg=%d mode=%04o rdev=%u:%u\n", path,
           S_ISFIFO(st.st_mode), S_ISSOCK(st.st_mode), S_ISCHR(st.st_mode), S_ISREG(st.st_mode),
           st.st_mode & 07777, major(st.st_rdev), minor(st.st_rdev));
}

static void
fifos(void)
{
    char buf[16] = { 0 };
    int rd, wr, both;

    CHECK("mkfifo f", mkfifo("f", 0666));
    show_node("f");
    CHECK("mkfifo again", mkfifo("f", 0600));
    CHECK("open f O_WRONLY|O_NONBLOCK, no reader", open("f", O_WRONLY | O_NONBLOCK));
    rd = CHECK("open f O_RDONLY|O_NONBLOCK", open("f", O_RDONLY | O_NONBLOCK));
    CHECK("read, no writer yet", read(rd, buf, sizeof(buf)));
    wr = CHECK("open f O_WRONLY|O_NONBLOCK", open("f", O_WRONLY | O_NONBLOCK));
    CHECK("write", write(wr, "fifo!", 5));
    show_fionread("FIONREAD", rd);
    CHECK("read", read(rd, buf, sizeof(buf)));
    printf("read: [%s]\n", buf);
    CHECK("read empty, writer open", read(rd, buf, sizeof(buf)));
    CHECK("lseek on a fifo", lseek(rd, 0, SEEK_SET));
    close(wr);
    CHECK("read after the writer closed", read(rd, buf, sizeof(buf)));
    close(rd);
    both = CHECK("open f O_RDWR", open("f", O_RDWR));
    CHECK("write to itself", write(both, "xy", 2));
    CHECK("read back", read(both, buf, 2));
    close(both);
    CHECK("unlink f", unlink("f"));
}

static void
other_nodes(void)
{
    int fd;

    CHECK("mknod plain (mode 0: regular)", mknod("r", 0640, 0));
    show_node("r");
    CHECK("mknod S_IFSOCK", mknod("s", S_IFSOCK | 0600, 0));
    show_node("s");
    CHECK("open a socket node", open("s", O_RDONLY));
    CHECK("mknod /dev/null's number", mknod("null", S_IFCHR | 0666, makedev(1, 3)));
    show_node("null");
    fd = CHECK("open it", open("null", O_RDWR));
    CHECK("write to it", write(fd, "gone", 4));
    CHECK("read from it", read(fd, (char[4]){ 0 }, 4));
    close(fd);
    CHECK("mknod an unknown device", mknod("c99", S_IFCHR | 0600, makedev(99, 99)));
    show_node("c99");
    CHECK("open the unknown device", open("c99", O_RDONLY));
    CHECK("mknod S_IFDIR", mknod("d", S_IFDIR | 0755, 0));
    CHECK("mknod S_IFLNK", mknod("l", S_IFLNK | 0777, 0));
    CHECK("mknod bad type", mknod("b", 0170000 | 0644, 0));
    CHECK("mknod existing", mknod("r", 0644, 0));
    CHECK("mknod name/", mknod("n/", 0644, 0));
    CHECK("mknod in /proc", mknod("/proc/pkgload-x", S_IFIFO | 0644, 0));
    CHECK("mknodat bad dirfd", mknodat(99, "x", 0644, 0));
    CHECK("mknod bad path", syscall(SYS_mknod, BAD_PTR, 0644, 0));
    show_dir("nodes", ".");
}

int
main(void)
{
    enter_scratch(DIR);
    basics();
    flags_and_nonblocking();
    ends();
    capacity();
    fifos();
    other_nodes();
    leave_scratch(DIR);
    return 0;
}
