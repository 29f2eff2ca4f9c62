// Device and process files: /dev/null, /dev/zero, /dev/full, /dev/urandom
// (reads, writes, seeks, their stat); /proc/self/fd: the links name the
// open files and reopening one through /proc gives a new open file; and
// /proc and /sys refuse new names and removals.
#include "fs_check.h"
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#define DIR "/tmp/pkgload-fs_dev"

static void
show_dev(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        printf("stat %s: -1 %s\n", path, errno_name(errno));
        return;
    }
    printf("stat %s: chr=%d mode=%04o rdev=%u:%u\n", path, S_ISCHR(st.st_mode), st.st_mode & 07777,
           major(st.st_rdev), minor(st.st_rdev));
}

static void
devices(void)
{
    char buf[16];
    int fd;

    show_dev("/dev/null");
    show_dev("/dev/zero");
    show_dev("/dev/full");
    show_dev("/dev/urandom");
    show_dev("/dev/random");
    fd = open("/dev/null", O_RDWR);
    CHECK("read /dev/null", read(fd, buf, sizeof(buf)));
    CHECK("write /dev/null", write(fd, "gone", 4));
    CHECK("lseek /dev/null", lseek(fd, 100, SEEK_SET));
    CHECK("pread /dev/null", pread(fd, buf, 4, 0));
    CHECK("ftruncate /dev/null", ftruncate(fd, 0));
    CHECK("fsync /dev/null", fsync(fd));
    CHECK("TCGETS /dev/null", ioctl(fd, 0x5401, buf));
    close(fd);
    fd = open("/dev/zero", O_RDWR);
    memset(buf, 'x', sizeof(buf));
    CHECK("read /dev/zero", read(fd, buf, 8));
    printf("zeros: %d\n", !memcmp(buf, "\0\0\0\0\0\0\0\0xxxxxxxx", 16));
    CHECK("write /dev/zero", write(fd, "x", 1));
    close(fd);
    fd = open("/dev/full", O_RDWR);
    CHECK("write /dev/full", write(fd, "x", 1));
    CHECK("read /dev/full", read(fd, buf, 4));
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    CHECK("read /dev/urandom", read(fd, buf, sizeof(buf)));
    close(fd);
    CHECK("open /dev/missing", open("/dev/missing", O_RDONLY));
    CHECK("create in /dev/null/", open("/dev/null/x", O_RDONLY | O_CREAT, 0644));
    CHECK("open /dev/null O_DIRECTORY", open("/dev/null", O_RDONLY | O_DIRECTORY));
}

static void
show_fd_link(const char *name, int fd)
{
    char path[64], target[256];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof(target) - 1);
    if (n < 0) {
        printf("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    target[n] = 0;
    if (!strncmp(target, "pipe:[", 6))
        strcpy(target, "pipe:[...]");          // the inode number differs
    printf("%s: %s\n", name, target);
}

static void
proc_fds(void)
{
    char path[64], buf[16] = { 0 };
    int fd, again, p[2];

    write_file("f", "through proc");
    fd = open("f", O_RDWR);
    show_fd_link("fd of f", fd);
    CHECK("mkdir sub", mkdir("sub", 0755));
    again = open("sub", O_RDONLY | O_DIRECTORY);
    show_fd_link("fd of sub", again);
    close(again);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    CHECK("lseek f to 8", lseek(fd, 8, SEEK_SET));
    again = CHECK("open /proc/self/fd/N", open(path, O_RDONLY));
    CHECK("read from the reopened file (own offset)", read(again, buf, 7));
    printf("read: [%s]\n", buf);
    close(again);
    pipe(p);
    show_fd_link("pipe read end", p[0]);
    show_fd_link("closed fd", 42);
    close(p[0]);
    close(p[1]);
    CHECK("unlink f while open", unlink("f"));
    show_fd_link("fd of unlinked f", fd);
    close(fd);
    fd = syscall(SYS_memfd_create, "named", 0);
    show_fd_link("memfd", fd);
    close(fd);
    show_dir("/proc/self/fd", "/proc/self/fd");
}

static void
synthetic_trees(void)
{
    CHECK("mkdir /proc/x", mkdir("/proc/pkgload-x", 0755));
    CHECK("create /proc/x", open("/proc/pkgload-x", O_WRONLY | O_CREAT, 0644));
    CHECK("symlink /proc/x", symlink("a", "/proc/pkgload-x"));
    CHECK("mkdir /proc/self/x", mkdir("/proc/self/pkgload-x", 0755));
    CHECK("unlink /proc/uptime", unlink("/proc/uptime"));
    CHECK("rmdir /proc/sys", rmdir("/proc/sys"));
    CHECK("rename /proc/uptime /proc/x", rename("/proc/uptime", "/proc/pkgload-x"));
    CHECK("mkdir /sys/x", mkdir("/sys/pkgload-x", 0755));
    CHECK("create /sys/x", open("/sys/pkgload-x", O_WRONLY | O_CREAT, 0644));
    CHECK("symlink /sys/x", symlink("a", "/sys/pkgload-x"));
    CHECK("unlink /sys/devices/system/cpu/online", unlink("/sys/devices/system/cpu/online"));
    CHECK("rmdir /sys/devices", rmdir("/sys/devices"));
    CHECK("rename in /sys", rename("/sys/devices/system/cpu/online", "/sys/devices/system/cpu/x"));
}

int
main(void)
{
    enter_scratch(DIR);
    devices();
    proc_fds();
    synthetic_trees();
    leave_scratch(DIR);
    return 0;
}
