// Descriptors: dup, dup2, dup3, fcntl (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD,
// F_SETFD, F_GETFL, F_SETFL), record locks for one process (F_SETLK,
// F_GETLK: a process never conflicts with its own locks, so F_GETLK reports
// F_UNLCK, and locks split and merge), OFD locks, and flock.
#include "fs_check.h"
#include <sys/file.h>

#define DIR "/tmp/pkgload-fs_fd"

static void
show_flags(const char *name, int fd)
{
    int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);

    if (fl < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: acc=%d append=%d nonblock=%d cloexec=%d\n", name, fl & O_ACCMODE, !!(fl & O_APPEND),
           !!(fl & O_NONBLOCK), fdfl);
}

static void
dups(void)
{
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644), d;

    CHECK("dup", d = dup(fd));
    CHECK("write via dup", write(d, "abc", 3));
    CHECK("shared offset", lseek(fd, 0, SEEK_CUR));
    CHECK("dup bad fd", dup(99));
    CHECK("dup -1", dup(-1));
    CHECK("dup2 to 10", dup2(fd, 10));
    CHECK("dup2 same fd", dup2(fd, fd));
    CHECK("dup2 same bad fd", dup2(99, 99));
    CHECK("dup2 bad old", dup2(99, 10));
    CHECK("dup2 newfd -1", dup2(fd, -1));
    CHECK("dup2 newfd huge", dup2(fd, 1 << 20));
    CHECK("dup2 over an open fd", dup2(d, 10));
    CHECK("dup3 O_CLOEXEC", dup3(fd, 11, O_CLOEXEC));
    show_flags("fd 11", 11);
    CHECK("dup3 same fd", dup3(fd, fd, 0));
    CHECK("dup3 bad flag", syscall(SYS_dup3, fd, 12, O_NONBLOCK));
    CHECK("close 10, 11", close(10) + close(11));
    close(d);
    close(fd);
}

static void
fcntl_calls(void)
{
    int fd = open("f", O_RDWR), pipefd[2];

    CHECK("F_DUPFD 5", fcntl(fd, F_DUPFD, 5));
    CHECK("F_DUPFD 5 again (next free)", fcntl(fd, F_DUPFD, 5));
    CHECK("F_DUPFD_CLOEXEC 20", fcntl(fd, F_DUPFD_CLOEXEC, 20));
    show_flags("fd 20", 20);
    CHECK("F_DUPFD -1", fcntl(fd, F_DUPFD, -1));
    CHECK("F_DUPFD too big", fcntl(fd, F_DUPFD, 1 << 20));
    CHECK("F_SETFD FD_CLOEXEC", fcntl(5, F_SETFD, FD_CLOEXEC));
    CHECK("F_GETFD", fcntl(5, F_GETFD));
    CHECK("F_GETFD of the original", fcntl(fd, F_GETFD));
    CHECK("F_SETFD 0", fcntl(5, F_SETFD, 0));
    CHECK("F_GETFD", fcntl(5, F_GETFD));
    show_flags("fd", fd);
    CHECK("F_SETFL O_APPEND|O_NONBLOCK", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    show_flags("fd", fd);
    show_flags("its dup shares the flags", 6);
    CHECK("F_SETFL O_RDONLY (access mode ignored)", fcntl(fd, F_SETFL, O_RDONLY));
    show_flags("fd", fd);
    CHECK("F_SETFL O_APPEND", fcntl(fd, F_SETFL, O_APPEND));
    CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
    CHECK("write appends", write(fd, "de", 2));
    show_file("f", "f");
    CHECK("fcntl bad fd", fcntl(99, F_GETFD));
    CHECK("fcntl bad cmd", fcntl(fd, 12345));
    pipe(pipefd);
    CHECK("F_SETFL O_NONBLOCK on a pipe", fcntl(pipefd[0], F_SETFL, O_NONBLOCK));
    show_flags("pipe read end", pipefd[0]);
    show_flags("pipe write end", pipefd[1]);
    CHECK("read empty pipe", read(pipefd[0], (char[4]){ 0 }, 4));
    close(pipefd[0]);
    close(pipefd[1]);
    close(5);
    close(6);
    close(20);
    close(fd);
}

static long
set_lock(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

    return fcntl(fd, cmd, &fl);
}

static void
get_lock(const char *name, int fd, short type, off_t start, off_t len)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

    if (fcntl(fd, F_GETLK, &fl) < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: type=%s start=%lld len=%lld\n", name,
           fl.l_type == F_UNLCK   ? "UNLCK"
           : fl.l_type == F_RDLCK ? "RDLCK"
                                  : "WRLCK",
           (long long)fl.l_start, (long long)fl.l_len);
}

static void
record_locks(void)
{
    int fd = open("f", O_RDWR), rd = open("f", O_RDONLY), wr = open("f", O_WRONLY);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_END, .l_start = -2, .l_len = 0 };

    CHECK("F_SETLK write 0..10", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
    get_lock("F_GETLK own lock", fd, F_WRLCK, 0, 10);
    CHECK("F_SETLK read 5..15 (own, converts)", set_lock(fd, F_SETLK, F_RDLCK, 5, 10));
    CHECK("F_SETLKW write 20..", set_lock(fd, F_SETLKW, F_WRLCK, 20, 0));
    CHECK("F_SETLK unlock 0..100", set_lock(fd, F_SETLK, F_UNLCK, 0, 100));
    get_lock("F_GETLK after unlock", fd, F_WRLCK, 0, 0);
    CHECK("F_SETLK read on O_WRONLY", set_lock(wr, F_SETLK, F_RDLCK, 0, 1));
    CHECK("F_SETLK write on O_RDONLY", set_lock(rd, F_SETLK, F_WRLCK, 0, 1));
    CHECK("F_SETLK read on O_RDONLY", set_lock(rd, F_SETLK, F_RDLCK, 0, 1));
    CHECK("F_SETLK bad type", set_lock(fd, F_SETLK, 42, 0, 1));
    CHECK("F_SETLK negative start", set_lock(fd, F_SETLK, F_WRLCK, -5, 1));
    CHECK("F_SETLK negative length", set_lock(fd, F_SETLK, F_WRLCK, 10, -5));
    CHECK("F_SETLK negative length past 0", set_lock(fd, F_SETLK, F_WRLCK, 2, -5));
    CHECK("F_SETLK from SEEK_END -2", fcntl(fd, F_SETLK, &fl));
    CHECK("F_SETLK bad whence",
          fcntl(fd, F_SETLK, &(struct flock){ .l_type = F_RDLCK, .l_whence = 7 }));
    CHECK("F_SETLK bad pointer", syscall(SYS_fcntl, fd, F_SETLK, BAD_PTR));
    CHECK("F_GETLK bad pointer", syscall(SYS_fcntl, fd, F_GETLK, BAD_PTR));
    get_lock("F_GETLK F_UNLCK type", fd, F_UNLCK, 0, 1);
    get_lock("F_GETLK bad type", fd, 42, 0, 1);
    CHECK("F_SETLK on a bad fd", set_lock(99, F_SETLK, F_WRLCK, 0, 1));
    close(wr);
    close(rd);
    close(fd);
}

static void
ofd_locks(void)
{
    int a = open("f", O_RDWR), b = open("f", O_RDWR);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };

    CHECK("F_OFD_SETLK write via a", fcntl(a, F_OFD_SETLK, &fl));
    fl.l_type = F_RDLCK;
    CHECK("F_OFD_GETLK via b", fcntl(b, F_OFD_GETLK, &fl));
    printf("conflict: type=%s start=%lld len=%lld pid=%d\n",
           fl.l_type == F_WRLCK ? "WRLCK" : "other", (long long)fl.l_start, (long long)fl.l_len,
           fl.l_pid);
    fl = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
    CHECK("F_OFD_SETLK read via b (conflicts)", fcntl(b, F_OFD_SETLK, &fl));
    fl.l_start = 20;
    CHECK("F_OFD_SETLK read via b elsewhere", fcntl(b, F_OFD_SETLK, &fl));
    fl.l_pid = 1;
    CHECK("F_OFD_SETLK with l_pid set", fcntl(b, F_OFD_SETLK, &fl));
    close(a);
    fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
    CHECK("F_OFD_SETLK via b after a closed", fcntl(b, F_OFD_SETLK, &fl));
    close(b);
}

// What an OFD lock request via FD over [start, start+len) runs into.
static void
ofd_probe(const char *name, int fd, off_t start, off_t len)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: type=%s start=%lld len=%lld pid is mine=%d\n", name,
           fl.l_type == F_UNLCK   ? "UNLCK"
           : fl.l_type == F_RDLCK ? "RDLCK"
                                  : "WRLCK",
           (long long)fl.l_start, (long long)fl.l_len, fl.l_pid == getpid());
}

// Seen from an OFD lock (another owner): POSIX locks merge, split and go on close.
static void
posix_seen_from_ofd(void)
{
    int fd = open("f", O_RDWR), probe = open("f", O_RDWR), other = open("f", O_RDONLY);

    CHECK("F_SETLK write 0..9", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
    CHECK("F_SETLK write 10..19", set_lock(fd, F_SETLK, F_WRLCK, 10, 10));
    ofd_probe("merged", probe, 0, 100);
    CHECK("F_SETLK unlock 5", set_lock(fd, F_SETLK, F_UNLCK, 5, 1));
    ofd_probe("left piece", probe, 0, 100);
    ofd_probe("right piece", probe, 5, 100);
    ofd_probe("the hole", probe, 5, 1);
    CHECK("F_SETLK read 2..3 (type change in the middle)", set_lock(fd, F_SETLK, F_RDLCK, 2, 2));
    ofd_probe("write probe 2..3", probe, 2, 2);
    CHECK("F_SETLK write 30.. (to the end)", set_lock(fd, F_SETLK, F_WRLCK, 30, 0));
    ofd_probe("to the end", probe, 25, 10);
    struct flock rd = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 2 };
    CHECK("F_OFD_SETLK read over a read lock", fcntl(probe, F_OFD_SETLK, &rd));
    CHECK("F_SETLK write 2..3 (the OFD read lock conflicts)", set_lock(fd, F_SETLK, F_WRLCK, 2, 2));
    get_lock("F_GETLK sees the OFD lock", fd, F_WRLCK, 0, 100);
    CHECK("close another fd of the file", close(other));
    ofd_probe("POSIX locks gone", probe, 0, 100);
    close(probe);
    close(fd);
}

static void
flocks(void)
{
    int a = open("f", O_RDONLY), b = open("f", O_RDONLY), c = dup(a);

    CHECK("flock a LOCK_EX", flock(a, LOCK_EX));
    CHECK("flock b LOCK_EX|LOCK_NB (other open file)", flock(b, LOCK_EX | LOCK_NB));
    CHECK("flock b LOCK_SH|LOCK_NB", flock(b, LOCK_SH | LOCK_NB));
    CHECK("flock c (dup of a) LOCK_SH", flock(c, LOCK_SH));
    CHECK("flock b LOCK_SH|LOCK_NB (now shared)", flock(b, LOCK_SH | LOCK_NB));
    CHECK("flock a LOCK_EX|LOCK_NB (b shares)", flock(a, LOCK_EX | LOCK_NB));
    CHECK("flock b LOCK_UN", flock(b, LOCK_UN));
    CHECK("flock a LOCK_EX|LOCK_NB", flock(a, LOCK_EX | LOCK_NB));
    close(a);
    CHECK("flock b LOCK_EX|LOCK_NB (c keeps a's lock)", flock(b, LOCK_EX | LOCK_NB));
    close(c);
    CHECK("flock b LOCK_EX|LOCK_NB (all closed)", flock(b, LOCK_EX | LOCK_NB));
    CHECK("flock bad op", flock(b, 0));
    CHECK("flock LOCK_NB alone", flock(b, LOCK_NB));
    CHECK("flock SH|EX", flock(b, LOCK_SH | LOCK_EX));
    CHECK("flock bad fd", flock(99, LOCK_EX));
    close(b);
}

int
main(void)
{
    enter_scratch(DIR);
    dups();
    fcntl_calls();
    record_locks();
    ofd_locks();
    posix_seen_from_ofd();
    flocks();
    leave_scratch(DIR);
    return 0;
}
