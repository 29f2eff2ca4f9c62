// Makes the syscalls its arguments name, NR or NR,ARG (the first argument; the
// others are 0), and prints each result: the number, or the errno's name.
// Exits 38 (ENOSYS's number) when a call was not implemented, else 0; with -0
// as its first argument, 0 whatever happened.
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    int status = 0;
    bool always_0 = argc > 1 && strcmp(argv[1], "-0") == 0;

    for (int i = 1 + always_0; i < argc; i++) {
        char *end;
        long nr = strtol(argv[i], &end, 10), arg = *end == ',' ? strtol(end + 1, NULL, 10) : 0;
        long ret = syscall(nr, arg, 0L, 0L, 0L, 0L, 0L);

        if (ret < 0 && errno == ENOSYS)
            status = ENOSYS;
        if (ret < 0)
            printf("%s: %s\n", argv[i], strerrorname_np(errno));
        else
            printf("%s: %ld\n", argv[i], ret);
    }
    return always_0 ? 0 : status;
}
