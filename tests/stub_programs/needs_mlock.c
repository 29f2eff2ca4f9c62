// Locks a buffer in memory, as daemons that hold secrets do, and gives up
// when it cannot: under pkgload mlock is missing (ENOSYS) until a stub
// makes it succeed.
#include <stdio.h>
#include <sys/mman.h>

static char secret[4096];

int
main(void)
{
    if (mlock(secret, sizeof(secret)) != 0) {
        perror("needs_mlock: mlock");
        return 1;
    }
    printf("locked %zu bytes\n", sizeof(secret));
    return 0;
}
