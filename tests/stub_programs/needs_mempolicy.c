// Binds its memory to NUMA node 0, as NUMA-aware servers do, and gives up
// when it cannot: under pkgload set_mempolicy is missing (ENOSYS) until a
// stub (stubs/numa.toml) makes it succeed.
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2

int
main(void)
{
    unsigned long node0 = 1;

    if (syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 8 * sizeof(node0)) != 0) {
        perror("needs_mempolicy: set_mempolicy");
        return 1;
    }
    printf("bound to node 0\n");
    return 0;
}
