// stat, fstat, lstat, newfstatat and statx (the stable fields only: type,
// mode, size of files and links, nlink of files, owners, times once set),
// with chmod, chown, umask and utimensat changing what they report.
#include "fs_check.h"
#include <stdint.h>
#include <sys/time.h>

#define DIR "/tmp/pkgload-fs_stat"

// From <linux/stat.h>: musl's headers have no statx.
struct statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct statx_buf {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct statx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define X_STATX_BASIC_STATS     0x7ffu
#define X_AT_STATX_SYNC_AS_STAT 0

static const char *
type_of(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "link";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "chr";
    default: return "other";
    }
}

// The fields that do not depend on the filesystem: no inode, device, blocks;
// a directory's size and link count differ between ext4 and tmpfs.
static void
show_stat(const char *name, long ret, const struct stat *st)
{
    if (ret < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: %s mode=%04o uid=%u gid=%u", name, type_of(st->st_mode), st->st_mode & 07777,
           st->st_uid, st->st_gid);
    if (!S_ISDIR(st->st_mode))
        printf(" size=%lld nlink=%lu", (long long)st->st_size, (unsigned long)st->st_nlink);
    printf("\n");
}

static void
stat_path(const char *name, const char *path)
{
    struct stat st;

    show_stat(name, stat(path, &st), &st);
}

static void
lstat_path(const char *name, const char *path)
{
    struct stat st;

    show_stat(name, lstat(path, &st), &st);
}

static void
stat_calls(void)
{
    struct stat st;
    int fd;

    write_file("f", "twelve bytes");
    CHECK("mkdir d", mkdir("d", 0750));
    CHECK("symlink f l", symlink("f", "l"));
    stat_path("stat f", "f");
    stat_path("stat d", "d");
    stat_path("stat l", "l");
    lstat_path("lstat l", "l");
    lstat_path("lstat f", "f");
    stat_path("stat missing", "missing");
    stat_path("stat f/x", "f/x");
    stat_path("stat f/", "f/");
    stat_path("stat empty", "");
    lstat_path("lstat l/", "l/");
    CHECK("stat bad path", syscall(SYS_stat, BAD_PTR, &st));
    CHECK("stat bad buffer", syscall(SYS_stat, "f", BAD_PTR));
    fd = open("f", O_RDONLY);
    show_stat("fstat f", fstat(fd, &st), &st);
    CHECK("fstat bad fd", fstat(99, &st));
    CHECK("fstat bad buffer", syscall(SYS_fstat, fd, BAD_PTR));
    show_stat("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH), &st);
    show_stat("fstatat empty, no flag", fstatat(fd, "", &st, 0), &st);
    show_stat("fstatat a file dirfd", fstatat(fd, "x", &st, 0), &st);
    close(fd);
    fd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK("link d/../f", link("f", "d/hard"));
    show_stat("fstatat d hard", fstatat(fd, "hard", &st, 0), &st);
    show_stat("stat f (2 links)", stat("f", &st), &st);
    show_stat("fstatat ../l NOFOLLOW", fstatat(fd, "../l", &st, AT_SYMLINK_NOFOLLOW), &st);
    CHECK("fstatat bad flag", syscall(SYS_newfstatat, fd, "hard", &st, 0x1));
    CHECK("fstatat bad dirfd", fstatat(99, "hard", &st, 0));
    close(fd);
}

static void
show_statx(const char *name, long ret, const struct statx_buf *sx)
{
    if (ret < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: basic=%d %s mode=%04o uid=%u gid=%u", name,
           (sx->mask & X_STATX_BASIC_STATS) == X_STATX_BASIC_STATS, type_of(sx->mode),
           sx->mode & 07777, sx->uid, sx->gid);
    if (!S_ISDIR(sx->mode))
        printf(" size=%llu nlink=%u", (unsigned long long)sx->size, sx->nlink);
    printf("\n");
}

static long
statx_raw(int dirfd, const char *path, int flags, unsigned mask, struct statx_buf *sx)
{
    memset(sx, 0, sizeof(*sx));
    return syscall(SYS_statx, dirfd, path, flags, mask, sx);
}

static void
statx_calls(void)
{
    struct statx_buf sx;
    int fd = open("f", O_RDONLY);

    show_statx("statx f", statx_raw(AT_FDCWD, "f", 0, X_STATX_BASIC_STATS, &sx), &sx);
    show_statx("statx l", statx_raw(AT_FDCWD, "l", 0, X_STATX_BASIC_STATS, &sx), &sx);
    show_statx("statx l NOFOLLOW",
               statx_raw(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, X_STATX_BASIC_STATS, &sx), &sx);
    show_statx("statx fd AT_EMPTY_PATH", statx_raw(fd, "", AT_EMPTY_PATH, X_STATX_BASIC_STATS, &sx),
               &sx);
    show_statx("statx missing", statx_raw(AT_FDCWD, "missing", 0, X_STATX_BASIC_STATS, &sx), &sx);
    show_statx("statx reserved mask bit", statx_raw(AT_FDCWD, "f", 0, 0x80000000u, &sx), &sx);
    show_statx("statx bad flag", statx_raw(AT_FDCWD, "f", 0x1, X_STATX_BASIC_STATS, &sx), &sx);
    show_statx("statx bad sync type", statx_raw(AT_FDCWD, "f", 0x6000, X_STATX_BASIC_STATS, &sx),
               &sx);
    CHECK("statx bad buffer", syscall(SYS_statx, AT_FDCWD, "f", 0, X_STATX_BASIC_STATS, BAD_PTR));
    close(fd);
}

// A set-group-ID folder gives new entries its group; subfolders inherit the bit.
static void
setgid_dir(void)
{
    int fd;

    CHECK("mkdir sg", mkdir("sg", 0755));
    CHECK("chown sg :1234", chown("sg", -1, 1234));
    CHECK("chmod sg 02775", chmod("sg", 02775));
    fd = CHECK("create sg/f", open("sg/f", O_WRONLY | O_CREAT, 0644));
    close(fd);
    stat_path("stat sg/f", "sg/f");
    CHECK("mkdir sg/sub", mkdir("sg/sub", 0755));
    stat_path("stat sg/sub", "sg/sub");
    CHECK("symlink sg/l", symlink("f", "sg/l"));
    lstat_path("lstat sg/l", "sg/l");
}

static void
mode_calls(void)
{
    int fd;

    CHECK("umask 027 (old)", umask(027));
    fd = CHECK("open new 0777", open("u", O_WRONLY | O_CREAT, 0777));
    close(fd);
    stat_path("stat u", "u");
    CHECK("mkdir ud 0777", mkdir("ud", 0777));
    stat_path("stat ud", "ud");
    CHECK("umask 0 (old)", umask(0));
    CHECK("mkdir sticky 01777", mkdir("sticky", 01777));
    stat_path("stat sticky", "sticky");
    CHECK("umask 022 (old)", umask(022));
    CHECK("chmod f 0600", chmod("f", 0600));
    stat_path("stat f", "f");
    CHECK("chmod f 04755 (setuid)", chmod("f", 04755));
    stat_path("stat f", "f");
    CHECK("chmod l (follows) 0640", chmod("l", 0640));
    lstat_path("lstat l", "l");
    stat_path("stat f", "f");
    CHECK("chmod missing", chmod("missing", 0600));
    CHECK("chmod bad path", syscall(SYS_chmod, BAD_PTR, 0600));
    fd = open("f", O_RDONLY);
    CHECK("fchmod 0444", fchmod(fd, 0444));
    stat_path("stat f", "f");
    CHECK("fchmod bad fd", fchmod(99, 0444));
    close(fd);
    CHECK("fchmodat 0644", fchmodat(AT_FDCWD, "f", 0644, 0));
    CHECK("fchmodat raw bad flags", syscall(SYS_fchmodat, AT_FDCWD, "f", 0644, 0x100));
    stat_path("stat f", "f");
}

static void
owner_calls(void)
{
    int fd;

    CHECK("chown f 1000:2000", chown("f", 1000, 2000));
    stat_path("stat f", "f");
    CHECK("chown f -1:3000", chown("f", -1, 3000));
    stat_path("stat f", "f");
    CHECK("lchown l 7:8", lchown("l", 7, 8));
    lstat_path("lstat l", "l");
    stat_path("stat f (unchanged by lchown)", "f");
    CHECK("chown l 5:6 (follows)", chown("l", 5, 6));
    stat_path("stat f", "f");
    fd = open("f", O_RDONLY);
    CHECK("fchown 0:0", fchown(fd, 0, 0));
    stat_path("stat f", "f");
    CHECK("fchown bad fd", fchown(99, 0, 0));
    close(fd);
    CHECK("fchownat NOFOLLOW l 9:9", fchownat(AT_FDCWD, "l", 9, 9, AT_SYMLINK_NOFOLLOW));
    lstat_path("lstat l", "l");
    CHECK("fchownat bad flag", fchownat(AT_FDCWD, "l", 9, 9, 0x1));
    CHECK("chown missing", chown("missing", 0, 0));
    CHECK("chmod setuid then chown clears it", chmod("f", 04755));
    CHECK("chown f 1:1", chown("f", 1, 1));
    stat_path("stat f", "f");
}

static void
show_times(const char *name, const char *path, int flags)
{
    struct stat st;

    if (fstatat(AT_FDCWD, path, &st, flags) < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    printf("%s: atime=%lld.%09ld mtime=%lld.%09ld\n", name, (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// ctime cannot be set: it is "now" after any change, so after a set mtime.
static void
show_ctime_after_mtime(const char *path)
{
    struct stat st;

    stat(path, &st);
    printf("%s: ctime after mtime: %d\n", path, st.st_ctim.tv_sec > st.st_mtim.tv_sec);
}

static void
time_calls(void)
{
    struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 5 } };
    struct timespec omit[2] = { { 1, UTIME_OMIT }, { 1700000000, 0 } };
    struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    struct timeval tv[2] = { { 1500000000, 250000 }, { 1600000000, 750000 } };
    int fd;

    CHECK("utimensat f", utimensat(AT_FDCWD, "f", ts, 0));
    show_times("times f", "f", 0);
    CHECK("utimensat f, atime omitted", utimensat(AT_FDCWD, "f", omit, 0));
    show_times("times f", "f", 0);
    CHECK("utimensat bad nsec", utimensat(AT_FDCWD, "f", bad, 0));
    CHECK("utimensat l NOFOLLOW", utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
    show_times("times l", "l", AT_SYMLINK_NOFOLLOW);
    CHECK("utimensat bad flag", utimensat(AT_FDCWD, "f", ts, 0x1));
    CHECK("utimensat missing", utimensat(AT_FDCWD, "missing", ts, 0));
    CHECK("utimensat bad times", syscall(SYS_utimensat, AT_FDCWD, "f", BAD_PTR, 0));
    fd = open("f", O_RDONLY);
    CHECK("futimens", futimens(fd, ts));
    show_times("times f", "f", 0);
    CHECK("futimens bad fd", futimens(99, ts));
    close(fd);
    CHECK("utimes f", utimes("f", tv));
    show_times("times f", "f", 0);
    CHECK("utimensat d", utimensat(AT_FDCWD, "d", ts, 0));
    show_times("times d", "d", 0);
    CHECK("utimensat f", utimensat(AT_FDCWD, "f", ts, 0));
    CHECK("chmod f", chmod("f", 0600));
    CHECK("chown f", chown("f", 3, 3));
    CHECK("link f f2", link("f", "f2"));
    show_times("times f (chmod, chown, link keep them)", "f", 0);
    show_ctime_after_mtime("f");
    CHECK("unlink f2", unlink("f2"));
}

int
main(void)
{
    enter_scratch(DIR);
    stat_calls();
    statx_calls();
    mode_calls();
    setgid_dir();
    owner_calls();
    time_calls();
    leave_scratch(DIR);
    return 0;
}
