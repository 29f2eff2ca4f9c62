// open, openat, openat2, creat, close and close_range: what each O_* flag
// does to the file and the descriptor, and the errno of each misuse.
#include "fs_check.h"
#include <stdint.h>
#include <sys/ioctl.h>

// From <linux/openat2.h> and <linux/close_range.h>, which musl-gcc cannot see.
struct open_how {
    uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV       0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS   0x04
#define RESOLVE_BENEATH       0x08
#define RESOLVE_IN_ROOT       0x10
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define DIR "/tmp/pkgload-fs_open"

static long
openat2_raw(int dirfd, const char *path, unsigned long long flags, unsigned long long resolve,
            size_t size)
{
    struct open_how how = { .flags = flags,
                            .mode = flags & O_CREAT ? 0644 : 0,
                            .resolve = resolve };

    return syscall(SYS_openat2, dirfd, path, &how, size);
}

static void
show_fd_flags(const char *name, int fd)
{
    int fl = fcntl(fd, F_GETFL);

    printf("%s: accmode=%d append=%d nonblock=%d cloexec=%d\n", name, fl & O_ACCMODE,
           !!(fl & O_APPEND), !!(fl & O_NONBLOCK), fcntl(fd, F_GETFD));
}

static void
creation(void)
{
    int fd;

    fd = CHECK("open O_CREAT|O_EXCL new", open("a", O_WRONLY | O_CREAT | O_EXCL, 0640));
    CHECK("write a", write(fd, "hello", 5));
    CHECK("close a", close(fd));
    CHECK("open O_CREAT|O_EXCL existing", open("a", O_WRONLY | O_CREAT | O_EXCL, 0640));
    fd = CHECK("open O_CREAT existing", open("a", O_RDONLY | O_CREAT, 0600));
    CHECK("close", close(fd));
    show_file("a after O_CREAT", "a");
    fd = CHECK("creat b", creat("b", 0600));
    show_fd_flags("creat's flags", fd);
    CHECK("read from creat's fd", read(fd, (char[4]){ 0 }, 4));
    CHECK("close", close(fd));
    CHECK("open missing", open("missing", O_RDONLY));
    CHECK("open missing/x", open("missing/x", O_RDONLY | O_CREAT, 0644));
    CHECK("open a/x (a is a file)", open("a/x", O_RDONLY));
    CHECK("open a/ (trailing slash)", open("a/", O_RDONLY));
    CHECK("open new/ O_CREAT", open("new/", O_RDWR | O_CREAT, 0644));
    CHECK("open empty path", open("", O_RDONLY));
}

static void
truncation_and_append(void)
{
    int fd;

    write_file("t", "0123456789");
    fd = CHECK("open O_RDONLY|O_TRUNC", open("t", O_RDONLY | O_TRUNC));
    close(fd);
    show_file("t after O_RDONLY|O_TRUNC", "t");
    write_file("t", "0123456789");
    fd = CHECK("open O_WRONLY|O_TRUNC", open("t", O_WRONLY | O_TRUNC));
    CHECK("write", write(fd, "abc", 3));
    close(fd);
    show_file("t truncated", "t");
    fd = CHECK("open O_WRONLY|O_APPEND", open("t", O_WRONLY | O_APPEND));
    CHECK("lseek to 0", lseek(fd, 0, SEEK_SET));
    CHECK("write appends", write(fd, "XY", 2));
    CHECK("position after append", lseek(fd, 0, SEEK_CUR));
    show_fd_flags("O_APPEND flags", fd);
    CHECK("pwrite at 0 with O_APPEND", pwrite(fd, "Z", 1, 0));
    close(fd);
    show_file("t appended", "t");
    fd = CHECK("open O_RDONLY", open("t", O_RDONLY));
    CHECK("write on O_RDONLY", write(fd, "x", 1));
    close(fd);
    fd = CHECK("open O_WRONLY", open("t", O_WRONLY));
    CHECK("read on O_WRONLY", read(fd, (char[4]){ 0 }, 4));
    close(fd);
}

static void
directories(void)
{
    int fd;

    CHECK("mkdir d", mkdir("d", 0755));
    fd = CHECK("open d O_RDONLY", open("d", O_RDONLY));
    CHECK("read on a directory", read(fd, (char[4]){ 0 }, 4));
    close(fd);
    fd = CHECK("open d O_DIRECTORY", open("d", O_RDONLY | O_DIRECTORY));
    close(fd);
    CHECK("open a O_DIRECTORY", open("a", O_RDONLY | O_DIRECTORY));
    CHECK("open d O_WRONLY", open("d", O_WRONLY));
    CHECK("open d O_RDWR", open("d", O_RDWR));
    CHECK("open d O_CREAT", open("d", O_RDONLY | O_CREAT, 0644));
    CHECK("open d/ O_CREAT", open("d/", O_RDONLY | O_CREAT, 0644));
    fd = CHECK("open d/", open("d/", O_RDONLY));
    close(fd);
}

static void
symlinks_and_paths(void)
{
    int fd, dfd;

    CHECK("symlink a la", symlink("a", "la"));
    CHECK("symlink d ld", symlink("d", "ld"));
    fd = CHECK("open la (follows)", open("la", O_RDONLY));
    close(fd);
    CHECK("open la O_NOFOLLOW", open("la", O_RDONLY | O_NOFOLLOW));
    CHECK("open ld O_NOFOLLOW|O_DIRECTORY", open("ld", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
    fd = CHECK("open ld/ O_NOFOLLOW (slash follows)", open("ld/", O_RDONLY | O_NOFOLLOW));
    close(fd);
    fd = CHECK("open la O_PATH|O_NOFOLLOW", open("la", O_PATH | O_NOFOLLOW));
    CHECK("read on O_PATH", read(fd, (char[4]){ 0 }, 4));
    CHECK("fstat on O_PATH", fstat(fd, &(struct stat){ 0 }));
    close(fd);
    fd = CHECK("open a O_PATH", open("a", O_PATH));
    CHECK("write on O_PATH", write(fd, "x", 1));
    printf("O_PATH F_GETFL has O_PATH: %d\n", !!(fcntl(fd, F_GETFL) & O_PATH));
    close(fd);
    CHECK("symlink nothere dangling", symlink("nothere", "dangling"));
    CHECK("open dangling O_CREAT|O_EXCL", open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK("open la O_CREAT|O_EXCL", open("la", O_WRONLY | O_CREAT | O_EXCL, 0644));
    fd = CHECK("open dangling O_CREAT (makes the target)",
               open("dangling", O_WRONLY | O_CREAT, 0644));
    CHECK("write", write(fd, "via link", 8));
    close(fd);
    show_file("nothere", "nothere");
    CHECK("open O_PATH|O_CREAT (O_CREAT ignored)", open("nopath", O_PATH | O_CREAT, 0644));
    CHECK("open a O_PATH|O_DIRECTORY", open("a", O_PATH | O_DIRECTORY));
    dfd = CHECK("open d O_PATH", open("d", O_PATH | O_DIRECTORY));
    CHECK("fchdir to an O_PATH dir", fchdir(dfd));
    show_file("../a from d", "../a");
    CHECK("chdir back", chdir(".."));
    CHECK("ioctl on O_PATH", ioctl(dfd, FIONREAD, &(int){ 0 }));
    CHECK("fcntl F_SETFL on O_PATH", fcntl(dfd, F_SETFL, O_NONBLOCK));
    CHECK("fcntl F_GETFD on O_PATH", fcntl(dfd, F_GETFD));
    fd = CHECK("openat via an O_PATH dir", openat(dfd, "../a", O_RDONLY));
    close(fd);
    close(dfd);
}

static void
at_calls(void)
{
    int dfd, fd;
    char long_name[300];

    dfd = CHECK("open d", open("d", O_RDONLY | O_DIRECTORY));
    fd = CHECK("openat d/inner O_CREAT", openat(dfd, "inner", O_RDWR | O_CREAT, 0600));
    close(fd);
    fd = CHECK("openat AT_FDCWD d/inner", openat(AT_FDCWD, "d/inner", O_RDONLY));
    close(fd);
    fd = CHECK("openat absolute ignores dirfd", openat(12345, DIR "/a", O_RDONLY));
    close(fd);
    CHECK("openat bad dirfd", openat(12345, "a", O_RDONLY));
    fd = open("a", O_RDONLY);
    CHECK("openat a file as dirfd", openat(fd, "x", O_RDONLY));
    close(fd);
    close(dfd);
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = 0;
    CHECK("open a 299-byte name", open(long_name, O_RDONLY | O_CREAT, 0644));
    CHECK("open bad pointer", syscall(SYS_open, BAD_PTR, O_RDONLY));
    CHECK("openat bad pointer", syscall(SYS_openat, AT_FDCWD, BAD_PTR, O_RDONLY));
}

static void
cloexec(void)
{
    int fd = CHECK("open O_CLOEXEC", open("a", O_RDONLY | O_CLOEXEC));

    show_fd_flags("O_CLOEXEC", fd);
    close(fd);
    fd = CHECK("open O_RDWR|O_NONBLOCK", open("a", O_RDWR | O_NONBLOCK));
    show_fd_flags("O_NONBLOCK", fd);
    close(fd);
}

static void
openat2_calls(void)
{
    struct open_how how = { 0 };
    int fd;

    fd = CHECK("openat2 plain", openat2_raw(AT_FDCWD, "a", O_RDONLY, 0, sizeof(struct open_how)));
    close(fd);
    fd = CHECK("openat2 O_CREAT", openat2_raw(AT_FDCWD, "o2", O_RDWR | O_CREAT, 0, sizeof(how)));
    close(fd);
    CHECK("openat2 size too small", openat2_raw(AT_FDCWD, "a", O_RDONLY, 0, 8));
    CHECK("openat2 unknown flag",
          openat2_raw(AT_FDCWD, "a", O_RDONLY | (1ull << 40), 0, sizeof(how)));
    CHECK("openat2 mode without O_CREAT",
          syscall(SYS_openat2, AT_FDCWD, "a", &(struct open_how){ .flags = O_RDONLY, .mode = 0644 },
                  sizeof(how)));
    CHECK("openat2 bad how", syscall(SYS_openat2, AT_FDCWD, "a", BAD_PTR, sizeof(how)));
    CHECK("openat2 unknown resolve", openat2_raw(AT_FDCWD, "a", O_RDONLY, 1ull << 20, sizeof(how)));
    CHECK("openat2 RESOLVE_NO_SYMLINKS on la",
          openat2_raw(AT_FDCWD, "la", O_RDONLY, RESOLVE_NO_SYMLINKS, sizeof(how)));
    fd = CHECK("openat2 RESOLVE_NO_SYMLINKS on a",
               openat2_raw(AT_FDCWD, "a", O_RDONLY, RESOLVE_NO_SYMLINKS, sizeof(how)));
    close(fd);
    CHECK("openat2 RESOLVE_NO_SYMLINKS through ld",
          openat2_raw(AT_FDCWD, "ld/inner", O_RDONLY, RESOLVE_NO_SYMLINKS, sizeof(how)));
    CHECK("openat2 RESOLVE_BENEATH ../",
          openat2_raw(AT_FDCWD, "../x", O_RDONLY, RESOLVE_BENEATH, sizeof(how)));
    CHECK("openat2 RESOLVE_BENEATH absolute",
          openat2_raw(AT_FDCWD, DIR "/a", O_RDONLY, RESOLVE_BENEATH, sizeof(how)));
    fd = CHECK("openat2 RESOLVE_BENEATH d/../a",
               openat2_raw(AT_FDCWD, "d/../a", O_RDONLY, RESOLVE_BENEATH, sizeof(how)));
    close(fd);
    fd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK("openat2 RESOLVE_BENEATH d ..",
          openat2_raw(fd, "../a", O_RDONLY, RESOLVE_BENEATH, sizeof(how)));
    CHECK("openat2 RESOLVE_IN_ROOT d /inner",
          openat2_raw(fd, "/inner", O_RDONLY, RESOLVE_IN_ROOT, sizeof(how)));
    CHECK("openat2 RESOLVE_IN_ROOT d ../../inner",
          openat2_raw(fd, "../../inner", O_RDONLY, RESOLVE_IN_ROOT, sizeof(how)));
    CHECK("close the two", close(4) + close(5));
    CHECK("openat2 BENEATH|IN_ROOT",
          openat2_raw(fd, "inner", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT, sizeof(how)));
    close(fd);
    CHECK("openat2 O_PATH|O_RDWR", openat2_raw(AT_FDCWD, "a", O_PATH | O_RDWR, 0, sizeof(how)));
    CHECK("openat2 bigger struct, zero tail", syscall(SYS_openat2, AT_FDCWD, "a", &(struct {
                                                          struct open_how h;
                                                          uint64_t x;
                                                      }){ { 0, 0, 0 }, 0 },
                                                      32));
    CHECK("close", close(3));
    CHECK("openat2 bigger struct, nonzero tail", syscall(SYS_openat2, AT_FDCWD, "a", &(struct {
                                                             struct open_how h;
                                                             uint64_t x;
                                                         }){ { 0, 0, 0 }, 1 },
                                                         32));
}

// O_TMPFILE: an unnamed file in a folder; linkat(AT_EMPTY_PATH) names it
// unless it was opened with O_EXCL.
static void
tmpfiles(void)
{
    struct stat st;
    int fd;

    fd = CHECK("open d O_TMPFILE|O_RDWR", open("d", O_TMPFILE | O_RDWR, 0640));
    CHECK("write", write(fd, "temp", 4));
    fstat(fd, &st);
    printf("fstat: reg=%d mode=%04o nlink=%lu size=%lld\n", S_ISREG(st.st_mode), st.st_mode & 07777,
           (unsigned long)st.st_nlink, (long long)st.st_size);
    show_dir("d before linkat", "d");
    CHECK("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "d/named", AT_EMPTY_PATH));
    show_file("d/named", "d/named");
    CHECK("linkat again (now it has a name)", linkat(fd, "", AT_FDCWD, "d/again", AT_EMPTY_PATH));
    close(fd);
    fd = CHECK("open d O_TMPFILE|O_EXCL", open("d", O_TMPFILE | O_WRONLY | O_EXCL, 0600));
    CHECK("linkat an O_EXCL tmpfile", linkat(fd, "", AT_FDCWD, "d/never", AT_EMPTY_PATH));
    close(fd);
    CHECK("O_TMPFILE|O_RDONLY", open("d", O_TMPFILE | O_RDONLY, 0600));
    CHECK("O_TMPFILE|O_CREAT", open("d", O_TMPFILE | O_CREAT | O_RDWR, 0600));
    CHECK("O_TMPFILE on a file", open("a", O_TMPFILE | O_RDWR, 0600));
    CHECK("O_TMPFILE on missing", open("missing", O_TMPFILE | O_RDWR, 0600));
    fd = CHECK("O_TMPFILE|O_PATH opens the folder", open("d", O_TMPFILE | O_PATH | O_RDWR, 0600));
    close(fd);
    show_dir("d after", "d");
}

static void
closing(void)
{
    int fd;

    CHECK("close -1", close(-1));
    CHECK("close 999", close(999));
    fd = open("a", O_RDONLY);
    CHECK("close", close(fd));
    CHECK("close again", close(fd));
    for (int i = 0; i < 4; i++)
        open("a", O_RDONLY);                  // 3, 4, 5, 6
    CHECK("close_range first > last", syscall(SYS_close_range, 5, 4, 0));
    CHECK("close_range bad flag", syscall(SYS_close_range, 3, 6, 0x80));
    CHECK("close_range CLOEXEC 3..4", syscall(SYS_close_range, 3, 4, CLOSE_RANGE_CLOEXEC));
    printf("fd 3 cloexec=%d fd 5 cloexec=%d\n", fcntl(3, F_GETFD), fcntl(5, F_GETFD));
    CHECK("close_range 4..5", syscall(SYS_close_range, 4, 5, 0));
    printf("fds 3..6 open: %d %d %d %d\n", fcntl(3, F_GETFD) >= 0, fcntl(4, F_GETFD) >= 0,
           fcntl(5, F_GETFD) >= 0, fcntl(6, F_GETFD) >= 0);
    CHECK("close_range 3..~0", syscall(SYS_close_range, 3, ~0u, 0));
    CHECK("next open gets 3", open("a", O_RDONLY));
    close(3);
}

int
main(void)
{
    enter_scratch(DIR);
    creation();
    truncation_and_append();
    directories();
    symlinks_and_paths();
    at_calls();
    cloexec();
    openat2_calls();
    tmpfiles();
    closing();
    leave_scratch(DIR);
    return 0;
}
