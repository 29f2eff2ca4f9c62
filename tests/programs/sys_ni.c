// The numbers Linux x86-64 answers with ENOSYS whatever the arguments (its
// sys_ni_syscall): each must fail the same way under pkgload, with no
// other effect.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
    long nr;
    const char *name;
} calls[] = {
    { 134, "uselib" },          { 156, "_sysctl" },        { 174, "create_module" },
    { 177, "get_kernel_syms" }, { 178, "query_module" },   { 180, "nfsservctl" },
    { 181, "getpmsg" },         { 182, "putpmsg" },        { 183, "afs_syscall" },
    { 184, "tuxcall" },         { 185, "security" },       { 205, "set_thread_area" },
    { 211, "get_thread_area" }, { 212, "lookup_dcookie" }, { 214, "epoll_ctl_old" },
    { 215, "epoll_wait_old" },  { 236, "vserver" },
};

int
main(void)
{
    char buf[64] = "untouched";

    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        long r = syscall(calls[i].nr, (long)buf, 1L, 2L, 3L, 4L, 5L);
        printf("%-16s %ld %s\n", calls[i].name, r, r < 0 && errno == ENOSYS ? "ENOSYS" : "other");
    }
    printf("buffer: %s\n", buf);
    return 0;
}
