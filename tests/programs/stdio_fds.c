// The three standard descriptors as a program started with stdin from
// /dev/null and stdout/stderr to pipes sees them: none is a terminal, all
// three stat, stdin reads end-of-file, a closed descriptor fails with EBADF.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void
yes_no(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
}

int
main(void)
{
    struct stat st;
    char buf[16];
    struct iovec iov[3] = {
        { .iov_base = "writev ", .iov_len = 7 },
        { .iov_base = "in three ", .iov_len = 9 },
        { .iov_base = "pieces\n", .iov_len = 7 },
    };

    for (int fd = 0; fd < 3; fd++) {
        printf("fd %d: isatty=%d fstat=%s\n", fd, isatty(fd),
               fstat(fd, &st) == 0 ? "ok" : "failed");
    }
    yes_no("read(0) gives end-of-file", read(0, buf, sizeof(buf)) == 0);
    yes_no("fgets(stdin) gives NULL and EOF",
           fgets(buf, sizeof(buf), stdin) == NULL && feof(stdin));
    errno = 0;
    yes_no("write to fd 42 fails with EBADF", write(42, "x", 1) == -1 && errno == EBADF);
    errno = 0;
    yes_no("fstat of fd 42 fails with EBADF", fstat(42, &st) == -1 && errno == EBADF);
    fflush(stdout);
    yes_no("writev returns the total", writev(1, iov, 3) == 23);
    return 0;
}
