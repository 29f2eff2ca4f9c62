// read, write, their positional and vector forms, lseek (holes read as
// zeros; SEEK_DATA/SEEK_HOLE), truncate/ftruncate, fsync, fdatasync, sync
// and fadvise64: the bytes that land in the file and each call's errors.
#include "fs_check.h"
#include <sys/uio.h>

#define DIR "/tmp/pkgload-fs_rw"

static void
show_bytes(const char *name, const char *buf, long n)
{
    printf("%s: %ld [", name, n);
    for (long i = 0; i < n; i++)
        putchar(buf[i] ? buf[i] : '.');
    printf("]\n");
}

static void
plain_io(void)
{
    char buf[64];
    int fd = CHECK("open f", open("f", O_RDWR | O_CREAT, 0644));

    CHECK("write 0", write(fd, "x", 0));
    CHECK("write", write(fd, "hello world", 11));
    CHECK("read at end", read(fd, buf, sizeof(buf)));
    CHECK("lseek SEEK_SET 6", lseek(fd, 6, SEEK_SET));
    show_bytes("read", buf, read(fd, buf, 3));
    CHECK("lseek SEEK_CUR -2", lseek(fd, -2, SEEK_CUR));
    show_bytes("read", buf, read(fd, buf, sizeof(buf)));
    CHECK("lseek SEEK_END -5", lseek(fd, -5, SEEK_END));
    CHECK("lseek SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
    CHECK("lseek negative", lseek(fd, -100, SEEK_SET));
    CHECK("lseek SEEK_CUR before 0", lseek(fd, -100, SEEK_CUR));
    CHECK("lseek bad whence", lseek(fd, 0, 42));
    CHECK("read 0 bytes", read(fd, buf, 0));
    CHECK("read bad buffer", syscall(SYS_read, fd, BAD_PTR, 4));
    CHECK("write bad buffer", syscall(SYS_write, fd, BAD_PTR, 4));
    CHECK("read NULL with count 0", read(fd, NULL, 0));
    CHECK("read on bad fd", read(99, buf, 4));
    CHECK("write on bad fd", write(-1, buf, 4));
    CHECK("lseek on bad fd", lseek(99, 0, SEEK_SET));
    close(fd);
    show_file("f", "f");
}

static void
positional_io(void)
{
    char buf[64];
    int fd = open("f", O_RDWR);

    CHECK("lseek 3", lseek(fd, 3, SEEK_SET));
    CHECK("pwrite at 0", pwrite(fd, "HE", 2, 0));
    show_bytes("pread at 6", buf, pread(fd, buf, 5, 6));
    CHECK("offset unchanged", lseek(fd, 0, SEEK_CUR));
    CHECK("pread past end", pread(fd, buf, 5, 100));
    CHECK("pread negative offset", pread(fd, buf, 5, -1));
    CHECK("pwrite negative offset", pwrite(fd, "x", 1, -1));
    CHECK("pwrite past end", pwrite(fd, "END", 3, 13));
    show_bytes("whole file", buf, pread(fd, buf, sizeof(buf), 0));
    close(fd);
    fd = open("f", O_RDONLY);
    CHECK("pwrite on O_RDONLY", pwrite(fd, "x", 1, 0));
    close(fd);
}

static void
vector_io(void)
{
    char a[4], b[8], buf[64];
    struct iovec out[3] = { { "one,", 4 }, { "", 0 }, { "two,three", 9 } };
    struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    int fd = open("v", O_RDWR | O_CREAT | O_TRUNC, 0644);

    CHECK("writev", writev(fd, out, 3));
    CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
    CHECK("readv", readv(fd, in, 2));
    show_bytes("a", a, sizeof(a));
    show_bytes("b", b, sizeof(b));
    CHECK("pwritev at 2", pwritev(fd, out, 1, 2));
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    CHECK("preadv at 1", preadv(fd, in, 2, 1));
    show_bytes("a", a, sizeof(a));
    show_bytes("b", b, sizeof(b));
    CHECK("offset after readv", lseek(fd, 0, SEEK_CUR));
    CHECK("readv iovcnt -1", syscall(SYS_readv, fd, in, -1));
    CHECK("readv iovcnt 1025", syscall(SYS_readv, fd, in, 1025));
    CHECK("readv iovcnt 0", readv(fd, in, 0));
    CHECK("writev bad iov", syscall(SYS_writev, fd, BAD_PTR, 1));
    struct iovec bad[2] = { { "ok", 2 }, { BAD_PTR, 4 } };
    CHECK("writev second buffer bad", writev(fd, bad, 2));
    CHECK("preadv negative offset", preadv(fd, in, 2, -5));
    show_bytes("v", buf, pread(fd, buf, sizeof(buf), 0));
    close(fd);
}

static void
holes(void)
{
    char buf[8];
    int fd = open("h", O_RDWR | O_CREAT | O_TRUNC, 0644);

    CHECK("write at 0", write(fd, "A", 1));
    CHECK("lseek to 3 pages", lseek(fd, 3 * 4096, SEEK_SET));
    CHECK("write after the hole", write(fd, "B", 1));
    CHECK("size via SEEK_END", lseek(fd, 0, SEEK_END));
    show_bytes("read in the hole", buf, pread(fd, buf, 4, 5000));
    CHECK("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA));
    CHECK("SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE));
    CHECK("SEEK_DATA 100", lseek(fd, 100, SEEK_DATA));
    CHECK("SEEK_DATA 5000", lseek(fd, 5000, SEEK_DATA));
    CHECK("SEEK_HOLE 12288", lseek(fd, 12288, SEEK_HOLE));
    CHECK("SEEK_DATA at size", lseek(fd, 12289, SEEK_DATA));
    CHECK("SEEK_HOLE at size", lseek(fd, 12289, SEEK_HOLE));
    CHECK("SEEK_DATA negative", lseek(fd, -1, SEEK_DATA));
    CHECK("lseek past end", lseek(fd, 100000, SEEK_SET));
    CHECK("read past end", read(fd, buf, 4));
    close(fd);
}

static void
truncation(void)
{
    char buf[16];
    int fd = open("t", O_RDWR | O_CREAT | O_TRUNC, 0644);

    write(fd, "0123456789", 10);
    CHECK("ftruncate 4", ftruncate(fd, 4));
    show_bytes("after shrink", buf, pread(fd, buf, sizeof(buf), 0));
    CHECK("offset kept", lseek(fd, 0, SEEK_CUR));
    CHECK("ftruncate 8", ftruncate(fd, 8));
    show_bytes("after grow", buf, pread(fd, buf, sizeof(buf), 0));
    CHECK("ftruncate negative", ftruncate(fd, -1));
    CHECK("truncate 2", truncate("t", 2));
    show_bytes("after truncate", buf, pread(fd, buf, sizeof(buf), 0));
    CHECK("truncate negative", truncate("t", -1));
    CHECK("truncate missing", truncate("missing", 0));
    CHECK("truncate a directory", truncate(".", 0));
    CHECK("truncate t/x", truncate("t/x", 0));
    CHECK("truncate bad path", syscall(SYS_truncate, BAD_PTR, 0));
    CHECK("ftruncate bad fd", ftruncate(99, 0));
    close(fd);
    fd = open("t", O_RDONLY);
    CHECK("ftruncate on O_RDONLY", ftruncate(fd, 0));
    close(fd);
    fd = open(".", O_RDONLY);
    CHECK("ftruncate a directory", ftruncate(fd, 0));
    close(fd);
}

static void
syncing(void)
{
    int fd = open("f", O_RDWR);
    int pipefd[2];

    CHECK("fsync", fsync(fd));
    CHECK("fdatasync", fdatasync(fd));
    sync();
    printf("sync: done\n");
    CHECK("fsync bad fd", fsync(99));
    CHECK("fdatasync bad fd", fdatasync(-1));
    CHECK("fadvise NORMAL", syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_NORMAL));
    CHECK("fadvise DONTNEED", syscall(SYS_fadvise64, fd, 0, 100, POSIX_FADV_DONTNEED));
    CHECK("fadvise bad advice", syscall(SYS_fadvise64, fd, 0, 0, 99));
    CHECK("fadvise negative len", syscall(SYS_fadvise64, fd, 0, -1, POSIX_FADV_NORMAL));
    CHECK("fadvise bad fd", syscall(SYS_fadvise64, 99, 0, 0, POSIX_FADV_NORMAL));
    printf("posix_fadvise bad advice: %d\n", posix_fadvise(fd, 0, 0, 99) == EINVAL);
    pipe(pipefd);
    CHECK("fadvise on a pipe", syscall(SYS_fadvise64, pipefd[0], 0, 0, POSIX_FADV_NORMAL));
    CHECK("fsync on a pipe", fsync(pipefd[0]));
    close(pipefd[0]);
    close(pipefd[1]);
    close(fd);
}

int
main(void)
{
    enter_scratch(DIR);
    plain_io();
    positional_io();
    vector_io();
    holes();
    truncation();
    syncing();
    leave_scratch(DIR);
    return 0;
}
