// Bad arguments to every file syscall: unmapped and kernel pointers,
// negative and huge numbers, unknown flags. Each call must fail with
// Linux's errno (and the kernel must survive all of them). The file size
// limits are ext4's with 4 KiB blocks, where the tests run natively.
#include "fs_check.h"
#include <stdint.h>
#include <sys/uio.h>

#define DIR "/tmp/pkgload-fs_badargs"

// An address in the kernel half: never a user pointer.
#define KERNEL_PTR ((void *)0xffffffff80100000ul)
// Canonical but far past any mapping.
#define HIGH_PTR ((void *)0x7ffffffff000ul)

struct raw_call {
    const char *name;
    long nr;
    long args[6];
};

static void
run_calls(const struct raw_call *calls, int n)
{
    for (int i = 0; i < n; i++) {
        const long *a = calls[i].args;
        CHECK(calls[i].name, syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]));
    }
}

#define P(x) ((long)(x))

static void
pointers(int fd, int dfd)
{
    const struct raw_call calls[] = {
        { "open kernel path", SYS_open, { P(KERNEL_PTR), O_RDONLY } },
        { "open high path", SYS_open, { P(HIGH_PTR), O_RDONLY } },
        { "stat kernel buf", SYS_stat, { P("f"), P(KERNEL_PTR) } },
        { "fstat high buf", SYS_fstat, { fd, P(HIGH_PTR) } },
        { "newfstatat bad path", SYS_newfstatat, { dfd, P(BAD_PTR), P(HIGH_PTR), 0 } },
        { "read into kernel", SYS_read, { fd, P(KERNEL_PTR), 4 } },
        { "write from kernel", SYS_write, { fd, P(KERNEL_PTR), 4 } },
        { "pread into high", SYS_pread64, { fd, P(HIGH_PTR), 4, 0 } },
        { "readv kernel iov", SYS_readv, { fd, P(KERNEL_PTR), 1 } },
        { "getdents64 kernel buf", SYS_getdents64, { dfd, P(KERNEL_PTR), 4096 } },
        { "readlink kernel buf", SYS_readlink, { P("l"), P(KERNEL_PTR), 16 } },
        { "getcwd kernel buf", SYS_getcwd, { P(KERNEL_PTR), 4096 } },
        { "pipe kernel", SYS_pipe, { P(KERNEL_PTR) } },
        { "statfs high buf", SYS_statfs, { P("."), P(HIGH_PTR) } },
        { "utimensat kernel times", SYS_utimensat, { AT_FDCWD, P("f"), P(KERNEL_PTR), 0 } },
        { "rename kernel new", SYS_rename, { P("f"), P(KERNEL_PTR) } },
        { "symlink high target", SYS_symlink, { P(HIGH_PTR), P("x") } },
        { "statx kernel buf", SYS_statx, { AT_FDCWD, P("f"), 0, 0x7ff, P(KERNEL_PTR) } },
        { "fcntl F_GETLK kernel", SYS_fcntl, { fd, F_GETLK, P(KERNEL_PTR) } },
        { "sendfile kernel offset", SYS_sendfile, { fd, fd, P(KERNEL_PTR), 4 } },
        { "ioctl FIONREAD kernel", SYS_ioctl, { fd, 0x541b, P(KERNEL_PTR) } },
        { "memfd_create kernel name", SYS_memfd_create, { P(KERNEL_PTR), 0 } },
        { "sysinfo kernel", SYS_sysinfo, { P(KERNEL_PTR) } },
        { "getrusage high", SYS_getrusage, { 0, P(HIGH_PTR) } },
    };

    run_calls(calls, sizeof(calls) / sizeof(calls[0]));
}

static void
numbers(int fd, int dfd)
{
    const struct raw_call calls[] = {
        { "read fd 1<<30", SYS_read, { 1 << 30, P(BAD_PTR), 1 } },
        { "read fd -100", SYS_read, { -100, P(BAD_PTR), 1 } },
        { "close INT_MAX", SYS_close, { 0x7fffffff } },
        { "dup2 to INT_MAX", SYS_dup2, { fd, 0x7fffffff } },
        { "lseek huge", SYS_lseek, { fd, 0x7fffffffffffffffl, SEEK_CUR } },
        { "lseek SEEK_END huge", SYS_lseek, { fd, 0x7fffffffffffffffl, SEEK_END } },
        { "pread huge offset", SYS_pread64, { fd, P((char[4]){ 0 }), 4, 0x7ffffffffffffff0l } },
        { "pwrite near the limit", SYS_pwrite64, { fd, P("x"), 1, 0x7ffffffffffffff0l } },
        { "ftruncate huge", SYS_ftruncate, { fd, 0x7fffffffffffffffl } },
        { "lseek to the size limit", SYS_lseek, { fd, 0xffffffff000l, SEEK_SET } },
        { "lseek past the size limit", SYS_lseek, { fd, 0xffffffff001l, SEEK_SET } },
        { "write at the size limit", SYS_write, { fd, P("x"), 1 } },
        { "ftruncate past the size limit", SYS_ftruncate, { fd, 0xffffffff001l } },
        { "lseek back to 0", SYS_lseek, { fd, 0, SEEK_SET } },
        { "fcntl F_DUPFD INT_MAX", SYS_fcntl, { fd, F_DUPFD, 0x7fffffff } },
        { "fcntl F_SETFD huge", SYS_fcntl, { fd, F_SETFD, -1 } },
        { "getdents64 count 0", SYS_getdents64, { dfd, P((char[64]){ 0 }), 0 } },
        { "readlink size INT_MIN", SYS_readlink, { P("l"), P((char[8]){ 0 }), (int)0x80000000 } },
        { "openat flags -1", SYS_openat, { AT_FDCWD, P("f"), -1, 0 } },
        { "mkdir mode -1", SYS_mkdir, { P("m"), -1 } },
        { "umask -1 (old)", SYS_umask, { -1 } },
        { "umask 022 (old)", SYS_umask, { 022 } },
        { "access mode -1", SYS_access, { P("f"), -1 } },
        { "chmod mode -1", SYS_chmod, { P("f"), -1 } },
        { "unlinkat flags -1", SYS_unlinkat, { AT_FDCWD, P("f"), -1 } },
        { "fchownat flags -1", SYS_fchownat, { AT_FDCWD, P("f"), 0, 0, -1 } },
        { "newfstatat flags -1", SYS_newfstatat, { AT_FDCWD, P("f"), P(BAD_PTR), -1 } },
        { "linkat flags -1", SYS_linkat, { AT_FDCWD, P("f"), AT_FDCWD, P("g"), -1 } },
        { "renameat2 flags -1", SYS_renameat2, { AT_FDCWD, P("f"), AT_FDCWD, P("g"), -1 } },
        { "pipe2 flags -1", SYS_pipe2, { P((int[2]){ 0 }), -1 } },
        { "dup3 flags -1", SYS_dup3, { fd, 50, -1 } },
        { "flock op -1", SYS_flock, { fd, -1 } },
        { "fadvise64 advice -1", SYS_fadvise64, { fd, 0, 0, -1 } },
        { "copy_file_range len huge",
          SYS_copy_file_range,
          { fd, 0, fd, P(&(long){ 100 }), -1, 0 } },
        { "memfd_create flags -1", SYS_memfd_create, { P("x"), -1 } },
        { "getrusage who -5", SYS_getrusage, { -5, P(BAD_PTR) } },
    };

    run_calls(calls, sizeof(calls) / sizeof(calls[0]));
}

static void
vectors(int fd)
{
    struct iovec neg[1] = { { "a", (size_t)-1 } };
    static struct iovec many[1025];

    for (int i = 0; i < 1025; i++)
        many[i] = (struct iovec){ "x", 1 };
    CHECK("writev length -1", syscall(SYS_writev, fd, neg, 1));
    CHECK("writev 1024 vectors", syscall(SYS_writev, fd, many, 1024));
    CHECK("writev 1025 vectors", syscall(SYS_writev, fd, many, 1025));
    CHECK("size after", lseek(fd, 0, SEEK_END));
}

int
main(void)
{
    int fd, dfd;

    enter_scratch(DIR);
    write_file("f", "0123456789");
    symlink("f", "l");
    fd = open("f", O_RDWR);
    dfd = open(".", O_RDONLY | O_DIRECTORY);
    pointers(fd, dfd);
    numbers(fd, dfd);
    vectors(fd);
    show_file("f", "f");
    close(fd);
    close(dfd);
    leave_scratch(DIR);
    return 0;
}
