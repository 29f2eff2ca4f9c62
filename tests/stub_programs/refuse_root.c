// Refuses to run as root, as some servers do: geteuid() == 0 -> a message and
// status 1. Otherwise prints its ids and its supplementary groups' count, and
// whether setuid to its own uid and to root succeed.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
    if (geteuid() == 0) {
        fprintf(stderr, "refuse_root: will not run as root\n");
        return 1;
    }
    printf("uid %d euid %d gid %d egid %d groups %d\n", (int)getuid(), (int)geteuid(),
           (int)getgid(), (int)getegid(), getgroups(0, NULL));
    printf("setuid(own) %d\n", setuid(getuid()));
    int ret = setuid(0);
    printf("setuid(0) %d %s\n", ret, ret < 0 ? strerrorname_np(errno) : "ok");
    return 0;
}
