// Makes the syscalls its arguments name, NR or NR,ARG (the first argument; the
// others are 0), and prints each result: the number, or the errno's name.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *end;
        long nr = strtol(argv[i], &end, 10), arg = *end == ',' ? strtol(end + 1, NULL, 10) : 0;
        long ret = syscall(nr, arg, 0L, 0L, 0L, 0L, 0L);

        if (ret < 0)
            printf("%s: %s\n", argv[i], strerrorname_np(errno));
        else
            printf("%s: %ld\n", argv[i], ret);
    }
    return 0;
}
