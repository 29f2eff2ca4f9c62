// preadv2 and pwritev2 (offset -1 for the file position; RWF_HIPRI, DSYNC,
// SYNC, APPEND, NOAPPEND, NOWAIT; unknown flags), sync_file_range, syncfs
// and readahead, on a memory-backed file (tmpfs natively: /dev/shm), a
// pipe and /dev/null, with their errors in Linux's order.
#include "fs_check.h"
#include <signal.h>
#include <stdint.h>
#include <sys/uio.h>

#define DIR "/dev/shm/pkgload_fs_rw_flags"
#ifndef RWF_HIPRI
#define RWF_HIPRI  0x01
#define RWF_DSYNC  0x02
#define RWF_SYNC   0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif
#define RWF_NOAPPEND_  0x20
#define RWF_ATOMIC_    0x40
#define RWF_DONTCACHE_ 0x80
#ifndef SYNC_FILE_RANGE_WAIT_BEFORE
#define SYNC_FILE_RANGE_WAIT_BEFORE 1
#define SYNC_FILE_RANGE_WRITE       2
#define SYNC_FILE_RANGE_WAIT_AFTER  4
#endif

static char buf[16];

static long
preadv2_raw(int fd, int64_t off, int flags)
{
    struct iovec iov[2] = { { buf, 3 }, { buf + 3, 2 } };

    memset(buf, 0, sizeof(buf));
    return syscall(SYS_preadv2, fd, iov, 2, off, 0, flags);
}

static long
pwritev2_raw(int fd, const char *text, int64_t off, int flags)
{
    struct iovec iov[1] = { { (void *)text, strlen(text) } };

    return syscall(SYS_pwritev2, fd, iov, 1, off, 0, flags);
}

static void
show_contents(const char *path)
{
    char text[64] = { 0 };
    int fd = open(path, O_RDONLY);

    if (read(fd, text, sizeof(text) - 1) < 0)
        perror("read");
    close(fd);
    printf("  %s holds \"%s\"\n", path, text);
}

static void
show_pos(int fd)
{
    printf("  position %ld\n", (long)lseek(fd, 0, SEEK_CUR));
}

static void
test_preadv2(int fd)
{
    CHECK("preadv2 at 2", preadv2_raw(fd, 2, 0));
    printf("  read \"%s\"\n", buf);
    show_pos(fd);
    CHECK("preadv2 at -1", preadv2_raw(fd, -1, 0));
    printf("  read \"%s\"\n", buf);
    show_pos(fd);
    CHECK("preadv2 at -2", preadv2_raw(fd, -2, 0));
    CHECK("preadv2 bad fd at -2", preadv2_raw(-1, -2, 0));
    CHECK("preadv2 bad fd at 0", preadv2_raw(-1, 0, 0));
    CHECK("preadv2 HIPRI", preadv2_raw(fd, 0, RWF_HIPRI));
    CHECK("preadv2 DSYNC|SYNC", preadv2_raw(fd, 0, RWF_DSYNC | RWF_SYNC));
    CHECK("preadv2 APPEND", preadv2_raw(fd, 1, RWF_APPEND));
    CHECK("preadv2 NOWAIT", preadv2_raw(fd, 1, RWF_NOWAIT));
    CHECK("preadv2 APPEND|NOAPPEND", preadv2_raw(fd, 0, RWF_APPEND | RWF_NOAPPEND_));
    CHECK("preadv2 ATOMIC", preadv2_raw(fd, 0, RWF_ATOMIC_));
    CHECK("preadv2 DONTCACHE", preadv2_raw(fd, 0, RWF_DONTCACHE_));
    CHECK("preadv2 flag 0x100", preadv2_raw(fd, 0, 0x100));
    CHECK("preadv2 flag 1<<31", preadv2_raw(fd, 0, 1u << 31));
    CHECK("preadv2 -1 flag 0x100", preadv2_raw(fd, -1, 0x100));
    CHECK("preadv2 past the end", preadv2_raw(fd, 100, 0));
    CHECK("preadv2 bad iov", syscall(SYS_preadv2, fd, BAD_PTR, 1, 0, 0, 0));
    CHECK("preadv2 iovcnt -1", syscall(SYS_preadv2, fd, NULL, -1, 0, 0, 0));
}

static void
test_pwritev2(void)
{
    int fd = open("f", O_RDWR), ro = open("f", O_RDONLY), ap;

    CHECK("pwritev2 read-only fd", pwritev2_raw(ro, "x", 0, 0));
    CHECK("pwritev2 at 1", pwritev2_raw(fd, "XY", 1, 0));
    show_contents("f");
    show_pos(fd);
    CHECK("pwritev2 at -1", pwritev2_raw(fd, "pq", -1, 0));
    show_pos(fd);
    CHECK("pwritev2 APPEND at 0", pwritev2_raw(fd, "<a>", 0, RWF_APPEND));
    show_pos(fd);
    show_contents("f");
    CHECK("pwritev2 APPEND at -1", pwritev2_raw(fd, "<b>", -1, RWF_APPEND));
    show_pos(fd);
    CHECK("pwritev2 DSYNC", pwritev2_raw(fd, "D", 0, RWF_DSYNC));
    CHECK("pwritev2 SYNC|HIPRI", pwritev2_raw(fd, "S", 1, RWF_SYNC | RWF_HIPRI));
    CHECK("pwritev2 NOWAIT", pwritev2_raw(fd, "N", 2, RWF_NOWAIT));
    CHECK("pwritev2 ATOMIC", pwritev2_raw(fd, "A", 2, RWF_ATOMIC_));
    CHECK("pwritev2 DONTCACHE", pwritev2_raw(fd, "C", 2, RWF_DONTCACHE_));
    CHECK("pwritev2 flag 0x200", pwritev2_raw(fd, "?", 2, 0x200));
    show_contents("f");
    ap = open("f", O_WRONLY | O_APPEND);
    CHECK("O_APPEND pwritev2 at 0", pwritev2_raw(ap, "{c}", 0, 0));
    CHECK("O_APPEND NOAPPEND at 0", pwritev2_raw(ap, "{d}", 0, RWF_NOAPPEND_));
    show_contents("f");
    close(ap);
    close(ro);
    close(fd);
}

static void
test_pipe(void)
{
    int p[2];

    if (pipe(p) < 0)
        return;
    CHECK("pipe preadv2 at 0", preadv2_raw(p[0], 0, 0));
    CHECK("pipe preadv2 NOWAIT empty", preadv2_raw(p[0], -1, RWF_NOWAIT));
    CHECK("pipe pwritev2 at -1", pwritev2_raw(p[1], "hello", -1, 0));
    CHECK("pipe pwritev2 at 0", pwritev2_raw(p[1], "hello", 0, 0));
    CHECK("pipe preadv2 NOWAIT", preadv2_raw(p[0], -1, RWF_NOWAIT));
    printf("  read \"%s\"\n", buf);
    CHECK("pipe pwritev2 HIPRI", pwritev2_raw(p[1], "again", -1, RWF_HIPRI));
    CHECK("pipe preadv2 HIPRI", preadv2_raw(p[0], -1, RWF_HIPRI));
    CHECK("pipe sync_file_range", sync_file_range(p[0], 0, 0, 0));
    CHECK("pipe sync_file_range flag 8", sync_file_range(p[0], 0, 0, 8));
    CHECK("pipe sync_file_range offset -1", sync_file_range(p[0], -1, 0, 0));
    CHECK("pipe syncfs", syncfs(p[0]));
    CHECK("pipe readahead", readahead(p[0], 0, 10));
    close(p[0]);
    close(p[1]);
}

// RWF_NOSIGNAL: a write to a pipe nobody reads fails with EPIPE and raises
// no SIGPIPE; without it SIGPIPE is raised (blocked here, so it waits).
static void
test_nosignal(void)
{
    sigset_t block, pending;
    int p[2];

    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    sigprocmask(SIG_BLOCK, &block, NULL);
    if (pipe(p) < 0)
        return;
    close(p[0]);
    CHECK("broken pipe NOSIGNAL", pwritev2_raw(p[1], "x", -1, 0x100));
    sigpending(&pending);
    printf("  SIGPIPE pending: %d\n", sigismember(&pending, SIGPIPE));
    CHECK("broken pipe", pwritev2_raw(p[1], "x", -1, 0));
    sigpending(&pending);
    printf("  SIGPIPE pending: %d\n", sigismember(&pending, SIGPIPE));
    close(p[1]);
}

static void
test_sync(int fd)
{
    int d = open(".", O_RDONLY | O_DIRECTORY), w = open("f", O_WRONLY);

    CHECK("sync_file_range 0", sync_file_range(fd, 0, 0, 0));
    CHECK("sync_file_range all flags",
          sync_file_range(fd, 0, 10,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER));
    CHECK("sync_file_range flag 8", sync_file_range(fd, 0, 0, 8));
    CHECK("sync_file_range offset -1", sync_file_range(fd, -1, 0, 0));
    CHECK("sync_file_range nbytes -1", sync_file_range(fd, 0, -1, 0));
    CHECK("sync_file_range wraps", sync_file_range(fd, INT64_MAX, 1, 0));
    CHECK("sync_file_range bad fd", sync_file_range(-1, 0, 0, 0));
    CHECK("sync_file_range bad fd flag 8", sync_file_range(-1, 0, 0, 8));
    CHECK("sync_file_range bad fd offset -1", sync_file_range(-1, -1, 0, 0));
    CHECK("sync_file_range directory", sync_file_range(d, 0, 0, 0));
    CHECK("sync_file_range write-only", sync_file_range(w, 0, 0, 0));
    CHECK("syncfs", syncfs(fd));
    CHECK("syncfs directory", syncfs(d));
    CHECK("syncfs bad fd", syncfs(-1));
    CHECK("syncfs fd 999", syncfs(999));
    CHECK("readahead", readahead(fd, 0, 4096));
    CHECK("readahead past the end", readahead(fd, 1 << 20, 4096));
    CHECK("readahead count 0", readahead(fd, 0, 0));
    CHECK("readahead offset -1", readahead(fd, -1, 10));
    CHECK("readahead directory", readahead(d, 0, 10));
    CHECK("readahead write-only", readahead(w, 0, 10));
    CHECK("readahead bad fd", readahead(-1, 0, 10));
    close(w);
    close(d);
}

static void
test_devnull(void)
{
    int fd = open("/dev/null", O_RDWR);

    CHECK("/dev/null preadv2 -1", preadv2_raw(fd, -1, 0));
    CHECK("/dev/null preadv2 NOWAIT", preadv2_raw(fd, -1, RWF_NOWAIT));
    CHECK("/dev/null pwritev2 HIPRI", pwritev2_raw(fd, "x", -1, RWF_HIPRI));
    CHECK("/dev/null sync_file_range", sync_file_range(fd, 0, 0, 0));
    CHECK("/dev/null readahead", readahead(fd, 0, 10));
    close(fd);
}

int
main(void)
{
    int fd;

    setvbuf(stdout, NULL, _IONBF, 0);
    enter_scratch(DIR);
    write_file("f", "abcdefghij");
    fd = open("f", O_RDONLY);
    test_preadv2(fd);
    test_sync(fd);
    close(fd);
    test_pwritev2();
    test_pipe();
    test_devnull();
    test_nosignal();
    leave_scratch(DIR);
    return 0;
}
