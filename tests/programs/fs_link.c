// Names of files: symlink/symlinkat, readlink/readlinkat, link/linkat
// (hard links share contents and counts), symlink loops (ELOOP), and
// access/faccessat/faccessat2 on what the names point to.
#include "fs_check.h"
#include <stdint.h>

#define DIR "/tmp/pkgload-fs_link"

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

static void
show_link(const char *name, const char *path)
{
    char buf[64];
    ssize_t n = readlink(path, buf, sizeof(buf));

    if (n < 0)
        printf("%s: -1 %s\n", name, errno_name(errno));
    else
        printf("%s: %zd [%.*s]\n", name, n, (int)n, buf);
}

static void
nlink_of(const char *name, const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        printf("%s: -1 %s\n", name, errno_name(errno));
    else
        printf("%s: nlink=%lu size=%lld\n", name, (unsigned long)st.st_nlink,
               (long long)st.st_size);
}

static void
symlinks(void)
{
    char buf[8], long_target[5000];
    int dfd;

    write_file("f", "contents");
    CHECK("mkdir d", mkdir("d", 0755));
    CHECK("symlink f s", symlink("f", "s"));
    CHECK("symlink again", symlink("f", "s"));
    CHECK("symlink over a dir", symlink("f", "d"));
    CHECK("symlink empty target", symlink("", "e"));
    CHECK("symlink in missing dir", symlink("f", "missing/s"));
    CHECK("symlink to name/", symlink("f", "ns/"));
    CHECK("symlink to existing d/", symlink("f", "d/"));
    CHECK("symlink bad target", syscall(SYS_symlink, BAD_PTR, "b"));
    CHECK("symlink bad path", syscall(SYS_symlink, "f", BAD_PTR));
    memset(long_target, 'x', sizeof(long_target) - 1);
    long_target[sizeof(long_target) - 1] = 0;
    CHECK("symlink 4999-byte target", symlink(long_target, "long"));
    CHECK("symlink d/../../x dangling", symlink("../../nowhere", "dangle"));
    dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK("symlinkat d/up", symlinkat("../f", dfd, "up"));
    CHECK("symlinkat bad dirfd", symlinkat("../f", 99, "up"));
    show_link("readlink s", "s");
    show_link("readlink d/up", "d/up");
    show_link("readlink f (not a link)", "f");
    show_link("readlink missing", "missing");
    show_link("readlink s/ (follows)", "s/");
    show_link("readlink empty", "");
    show_link("readlink dangle", "dangle");
    CHECK("readlink into 2 bytes", readlink("s", buf, 2) + (buf[0] == 'f' ? 1000 : 0));
    CHECK("readlink size 0", syscall(SYS_readlink, "s", buf, 0));
    CHECK("readlink size -1", syscall(SYS_readlink, "s", buf, -1));
    CHECK("readlink bad buffer", syscall(SYS_readlink, "s", BAD_PTR, 8));
    CHECK("readlinkat d up", readlinkat(dfd, "up", buf, sizeof(buf)));
    CHECK("readlinkat AT_EMPTY_PATH on a dir fd", readlinkat(dfd, "", buf, sizeof(buf)));
    close(dfd);
    show_file("through d/up", "d/up");
    show_file("through dangle", "dangle");
}

static void
loops(void)
{
    char path[400];

    CHECK("symlink loop1 -> loop2", symlink("loop2", "loop1"));
    CHECK("symlink loop2 -> loop1", symlink("loop1", "loop2"));
    CHECK("symlink self", symlink("self", "self"));
    show_file("open loop1", "loop1");
    show_file("open self", "self");
    show_file("open self/x", "self/x");
    nlink_of("lstat loop1", "loop1");
    CHECK("stat loop1", stat("loop1", &(struct stat){ 0 }));
    // 40 links are followed, the 41st is ELOOP.
    CHECK("symlink c0 -> f", symlink("f", "c0"));
    for (int i = 1; i <= 41; i++) {
        char name[8], target[8];
        snprintf(name, sizeof(name), "c%d", i);
        snprintf(target, sizeof(target), "c%d", i - 1);
        symlink(target, name);
    }
    show_file("chain of 40", "c40");
    show_file("chain of 41", "c41");
    // A path of many "d/.." is long, not a loop.
    path[0] = 0;
    for (int i = 0; i < 60; i++)
        strcat(path, "d/../");
    strcat(path, "f");
    show_file("d/.. x60", path);
}

static void
hard_links(void)
{
    int dfd, fd;

    CHECK("link f h", link("f", "h"));
    nlink_of("f", "f");
    CHECK("link again", link("f", "h"));
    CHECK("link a dir", link("d", "dh"));
    CHECK("link a dir onto an existing name", link("d", "h"));
    CHECK("link missing", link("missing", "x"));
    CHECK("link into missing dir", link("f", "missing/x"));
    CHECK("link out of /proc (another filesystem)", link("/proc/uptime", "u"));
    CHECK("link onto /proc/self (exists)", link("f", "/proc/self"));
    CHECK("link f h/ (trailing slash)", link("f", "nh/"));
    CHECK("link s sh (the link itself)", link("s", "sh"));
    nlink_of("lstat sh", "sh");
    nlink_of("lstat s", "s");
    dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK("linkat up FOLLOW", linkat(dfd, "up", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW));
    nlink_of("lstat hf", "hf");
    CHECK("linkat bad flag", linkat(dfd, "up", AT_FDCWD, "x", 0x1));
    close(dfd);
    fd = open("f", O_RDONLY);
    CHECK("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "he", AT_EMPTY_PATH));
    nlink_of("f", "f");
    close(fd);
    CHECK("unlink f", unlink("f"));
    show_file("h after unlink f", "h");
    nlink_of("h", "h");
    show_file("s dangles", "s");
    fd = open("h", O_RDWR);
    CHECK("unlink every name", unlink("h") + unlink("hf") + unlink("he"));
    CHECK("write to the unlinked file", write(fd, "still", 5));
    CHECK("linkat the unlinked file back", linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH));
    struct stat st;
    fstat(fd, &st);
    printf("fstat unlinked: nlink=%lu size=%lld\n", (unsigned long)st.st_nlink,
           (long long)st.st_size);
    close(fd);
}

static void
access_calls(void)
{
    int dfd;

    write_file("r", "");
    chmod("r", 0400);
    write_file("x", "");
    chmod("x", 0100);
    CHECK("access r F_OK", access("r", F_OK));
    CHECK("access r R_OK|W_OK (root)", access("r", R_OK | W_OK));
    CHECK("access r X_OK (no x bit)", access("r", X_OK));
    CHECK("access x X_OK", access("x", X_OK));
    CHECK("access d X_OK", access("d", X_OK));
    CHECK("access missing", access("missing", F_OK));
    CHECK("access r/x", access("r/x", F_OK));
    CHECK("access bad mode", access("r", 8));
    CHECK("access bad path", syscall(SYS_access, BAD_PTR, F_OK));
    CHECK("access dangling link", access("loop1", F_OK));
    dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK("faccessat d/up (f is gone)", faccessat(dfd, "up", F_OK, 0));
    CHECK("faccessat bad dirfd", faccessat(99, "up", F_OK, 0));
    CHECK("faccessat2 NOFOLLOW on loop1",
          syscall(SYS_faccessat2, AT_FDCWD, "loop1", F_OK, AT_SYMLINK_NOFOLLOW));
    CHECK("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, AT_FDCWD, "r", R_OK, AT_EACCESS));
    CHECK("faccessat2 bad flag", syscall(SYS_faccessat2, AT_FDCWD, "r", R_OK, 0x1));
    CHECK("faccessat2 AT_EMPTY_PATH", syscall(SYS_faccessat2, dfd, "", R_OK, AT_EMPTY_PATH));
    CHECK("faccessat raw ignores flags", syscall(SYS_faccessat, AT_FDCWD, "r", R_OK, 0x1));
    close(dfd);
}

int
main(void)
{
    enter_scratch(DIR);
    symlinks();
    loops();
    hard_links();
    access_calls();
    leave_scratch(DIR);
    return 0;
}
