// utime, utimes and futimesat, the old forms of utimensat: whole seconds,
// microseconds (EINVAL out of range), NULL for now, a NULL path (EFAULT, or
// futimesat's descriptor itself), and who may set which times.
#include "fs_check.h"
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>

#define DIR "/tmp/pkgload_fs_utime"

static void
show_times(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        printf("  stat %s: %s\n", path, errno_name(errno));
        return;
    }
    printf("  %s atime %ld.%09ld mtime %ld.%09ld\n", path, (long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void
show_recent(const char *path)
{
    struct stat st;

    stat(path, &st);
    printf("  %s mtime is now: %d\n", path, labs(time(NULL) - st.st_mtim.tv_sec) < 60);
}

static void
test_forms(void)
{
    struct utimbuf ub = { 1000000000, 1234567890 };
    struct timeval tv[2] = { { 1500000000, 123456 }, { 1600000000, 999999 } };
    int d = open(".", O_RDONLY | O_DIRECTORY), fd = open("f", O_RDONLY);

    CHECK("utime", utime("f", &ub));
    show_times("f");
    CHECK("utime now", utime("f", NULL));
    show_recent("f");
    CHECK("utimes", utimes("f", tv));
    show_times("f");
    tv[1].tv_usec = 1000000;
    CHECK("utimes usec 1000000", utimes("f", tv));
    tv[1].tv_usec = -1;
    CHECK("utimes usec -1", utimes("f", tv));
    tv[1].tv_usec = 5;
    CHECK("futimesat", syscall(SYS_futimesat, d, "f", tv));
    show_times("f");
    tv[0].tv_sec = 42;
    CHECK("futimesat NULL path", syscall(SYS_futimesat, fd, NULL, tv));
    show_times("f");
    CHECK("futimesat NULL path AT_FDCWD", syscall(SYS_futimesat, AT_FDCWD, NULL, tv));
    CHECK("utime NULL path", syscall(SYS_utime, NULL, NULL));
    CHECK("utimes NULL path", syscall(SYS_utimes, NULL, tv));
    CHECK("utime bad times", syscall(SYS_utime, "f", BAD_PTR));
    CHECK("utimes bad times", syscall(SYS_utimes, "f", BAD_PTR));
    CHECK("utime missing", utime("nosuch", &ub));
    CHECK("utimes bad path", syscall(SYS_utimes, BAD_PTR, NULL));
    CHECK("futimesat bad fd", syscall(SYS_futimesat, 99, "f", NULL));
    CHECK("futimesat file as dir", syscall(SYS_futimesat, fd, "x", NULL));
    close(fd);
    close(d);
}

// A user who does not own the file may set it to now only, with write permission.
static void
test_permission(void)
{
    struct utimbuf ub = { 5, 6 };
    int status;

    write_file("shared", "x");
    chmod("shared", 0666);
    write_file("private", "x");
    if (fork() == 0) {
        if (setuid(1000) < 0)
            _exit(1);
        CHECK("user utime now, writable", utime("shared", NULL));
        CHECK("user utime set, not owner", utime("shared", &ub));
        CHECK("user utimes now, read-only", utimes("private", NULL));
        _exit(0);
    }
    wait(&status);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    enter_scratch(DIR);
    write_file("f", "data");
    test_forms();
    test_permission();
    leave_scratch(DIR);
    return 0;
}
