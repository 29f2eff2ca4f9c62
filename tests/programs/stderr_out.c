// Output on both streams, through stdio (line-buffered or not), perror and
// raw write(2); each stream must arrive whole and separate on the host.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

int
main(void)
{
    for (int i = 0; i < 5; i++) {
        printf("stdout line %d\n", i);
        fprintf(stderr, "stderr line %d\n", i);
    }
    fputs("stdout without newline; ", stdout);
    fputs("stderr without newline; ", stderr);
    write_all(1, "raw write to fd 1\n");
    write_all(2, "raw write to fd 2\n");
    errno = ENOENT;
    perror("perror after ENOENT");
    fprintf(stderr, "strerror(EACCES) = %s\n", strerror(EACCES));
    printf("done\n");
    return 0;
}
