// Directories: mkdir/mkdirat, rmdir, unlink/unlinkat (AT_REMOVEDIR),
// getdents64 (names sorted: each filesystem lists in its own order),
// getcwd, chdir and fchdir, with the errors of each.
#include "fs_check.h"
#include <stdint.h>

#define DIR "/tmp/pkgload-fs_dir"

struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
    char name[];
};

// List FD with raw getdents64 calls of BUFSIZE bytes: sorted "name/type" pairs.
static void
show_getdents(const char *label, int fd, size_t bufsize)
{
    char buf[4096], *names[64];
    int n = 0, calls = 0;
    long got;

    while ((got = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
        calls++;
        for (long pos = 0; pos < got && n < 64;) {
            struct dirent64_raw *d = (struct dirent64_raw *)(buf + pos);
            char *entry = malloc(300);
            snprintf(entry, 300, "%s/%d", d->name, d->type);
            names[n++] = entry;
            pos += d->reclen;
        }
    }
    if (got < 0)
        printf("%s: getdents64 -1 %s\n", label, errno_name(errno));
    qsort(names, n, sizeof(names[0]), compare_names);
    printf("%s (%s):", label, calls > 1 ? "several calls" : "one call");
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

// A path of LEN bytes (with its NUL, LEN+1): "./" repeated, then "x"s.
static const char *
long_path(size_t len)
{
    static char buf[8192];
    size_t i;

    for (i = 0; i + 2 < len - 1; i += 2)
        memcpy(buf + i, "./", 2);
    while (i < len)
        buf[i++] = 'x';
    buf[len] = 0;
    return buf;
}

static void
making(void)
{
    int dfd;

    CHECK("mkdir a", mkdir("a", 0755));
    CHECK("mkdir a again", mkdir("a", 0755));
    CHECK("mkdir a/b/c (no b)", mkdir("a/b/c", 0755));
    CHECK("mkdir a/b/", mkdir("a/b/", 0755));
    write_file("file", "x");
    CHECK("mkdir file", mkdir("file", 0755));
    CHECK("mkdir file/x", mkdir("file/x", 0755));
    CHECK("mkdir empty", mkdir("", 0755));
    CHECK("mkdir .", mkdir(".", 0755));
    CHECK("mkdir ..", mkdir("..", 0755));
    CHECK("mkdir bad path", syscall(SYS_mkdir, BAD_PTR, 0755));
    CHECK("mkdir a 4096-byte path", mkdir(long_path(4096), 0755));
    CHECK("mkdir a 4095-byte path (each name fits)", mkdir(long_path(4095), 0755));
    dfd = CHECK("open a", open("a", O_RDONLY | O_DIRECTORY));
    CHECK("mkdirat a/m", mkdirat(dfd, "m", 0700));
    CHECK("mkdirat bad dirfd", mkdirat(99, "m", 0700));
    CHECK("symlink a la", symlink("a", "la"));
    CHECK("symlink nowhere dangling", symlink("nowhere", "dangling"));
    CHECK("mkdir la (a link)", mkdir("la", 0755));
    CHECK("mkdir dangling", mkdir("dangling", 0755));
    CHECK("mkdir la/n", mkdir("la/n", 0755));
    close(dfd);
    show_dir("listing .", ".");
    show_dir("listing a", "a");
}

static void
listing(void)
{
    char name[32];
    int fd;

    CHECK("mkdir many", mkdir("many", 0755));
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "many/entry-with-a-long-name-%02d", i);
        write_file(name, "");
    }
    CHECK("mkdir many/sub", mkdir("many/sub", 0755));
    CHECK("symlink many/ln", symlink("x", "many/ln"));
    fd = open("many", O_RDONLY | O_DIRECTORY);
    show_getdents("many, 256-byte buffer", fd, 256);
    CHECK("getdents64 at end", syscall(SYS_getdents64, fd, name, sizeof(name)));
    CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
    CHECK("getdents64 buffer too small", syscall(SYS_getdents64, fd, name, 8));
    CHECK("getdents64 bad buffer", syscall(SYS_getdents64, fd, BAD_PTR, 4096));
    close(fd);
    fd = open("a", O_RDONLY | O_DIRECTORY);
    show_getdents("a", fd, 4096);
    close(fd);
    fd = open("file", O_RDONLY);
    CHECK("getdents64 on a file", syscall(SYS_getdents64, fd, name, sizeof(name)));
    close(fd);
    CHECK("getdents64 bad fd", syscall(SYS_getdents64, 99, name, sizeof(name)));
    fd = open("many", O_RDONLY | O_DIRECTORY);
    CHECK("unlink many/sub while listing", rmdir("many/sub"));
    show_getdents("many after rmdir", fd, 4096);
    close(fd);
}

static void
removing(void)
{
    int dfd;

    CHECK("rmdir a (not empty)", rmdir("a"));
    CHECK("rmdir file", rmdir("file"));
    CHECK("rmdir missing", rmdir("missing"));
    CHECK("rmdir .", rmdir("."));
    CHECK("rmdir ..", rmdir(".."));
    CHECK("rmdir a/m/.", rmdir("a/m/."));
    CHECK("rmdir la (a link)", rmdir("la"));
    CHECK("rmdir a/m/", rmdir("a/m/"));
    CHECK("unlink a (a dir)", unlink("a"));
    CHECK("unlink file/", unlink("file/"));
    CHECK("unlink missing", unlink("missing"));
    CHECK("unlink la (the link)", unlink("la"));
    show_dir("a still there", "a");
    dfd = open("a", O_RDONLY | O_DIRECTORY);
    CHECK("mkdirat a/x", mkdirat(dfd, "x", 0755));
    CHECK("unlinkat x no flag", unlinkat(dfd, "x", 0));
    CHECK("unlinkat x AT_REMOVEDIR", unlinkat(dfd, "x", AT_REMOVEDIR));
    CHECK("unlinkat bad flag", unlinkat(dfd, "x", 0x1));
    CHECK("unlinkat ../file AT_REMOVEDIR", unlinkat(dfd, "../file", AT_REMOVEDIR));
    CHECK("unlinkat ../file", unlinkat(dfd, "../file", 0));
    CHECK("unlink bad path", syscall(SYS_unlink, BAD_PTR));
    close(dfd);
    CHECK("rmdir a", rmdir("a"));
    show_dir("listing .", ".");
}

static void
show_cwd(const char *name)
{
    char buf[256];

    if (getcwd(buf, sizeof(buf)))
        printf("%s: %s\n", name, buf);
    else
        printf("%s: -1 %s\n", name, errno_name(errno));
}

static void
cwd(void)
{
    char small[8];
    int fd;

    show_cwd("getcwd");
    CHECK("mkdir w", mkdir("w", 0755));
    CHECK("mkdir w/x", mkdir("w/x", 0755));
    CHECK("chdir w/x", chdir("w/x"));
    show_cwd("getcwd");
    CHECK("chdir ..", chdir(".."));
    show_cwd("getcwd");
    CHECK("chdir missing", chdir("missing"));
    write_file("f", "");
    CHECK("chdir f", chdir("f"));
    CHECK("chdir empty", chdir(""));
    CHECK("chdir bad path", syscall(SYS_chdir, BAD_PTR));
    CHECK("getcwd raw small buffer", syscall(SYS_getcwd, small, sizeof(small)));
    CHECK("getcwd raw exact length", syscall(SYS_getcwd, small, 0));
    printf("getcwd raw length: %ld\n", syscall(SYS_getcwd, (char[256]){ 0 }, 256));
    CHECK("getcwd raw bad buffer", syscall(SYS_getcwd, BAD_PTR, 256));
    fd = open("x", O_RDONLY | O_DIRECTORY);
    CHECK("chdir /", chdir("/"));
    CHECK("fchdir", fchdir(fd));
    show_cwd("getcwd after fchdir");
    close(fd);
    fd = open(DIR "/w/f", O_RDONLY);
    CHECK("fchdir a file", fchdir(fd));
    CHECK("fchdir bad fd", fchdir(99));
    close(fd);
    CHECK("chdir .. ..", chdir("../.."));
    show_cwd("getcwd");
    CHECK("chdir via a symlink", symlink("w/x", "lx") || chdir("lx"));
    show_cwd("getcwd (the link resolved)");
    CHECK("chdir back", chdir(DIR));
}

int
main(void)
{
    enter_scratch(DIR);
    making();
    listing();
    removing();
    cwd();
    leave_scratch(DIR);
    return 0;
}
