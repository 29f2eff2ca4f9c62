// Calls the syscall fuzzer (tests/fuzz/syscall_fuzz.c) found wrong, each
// reduced to one case: an invalid clone exit signal, a huge mremap, a shmat of a
// segment larger than user space, and setuid(-1). Prints each result as Linux gives it.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
errno_name(int e)
{
    switch (e) {
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ENOMEM: return "ENOMEM";
    case EPERM: return "EPERM";
    case ENOSPC: return "ENOSPC";
    default: return "another errno";
    }
}

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%s: %s\n", what, errno_name(errno));
    else
        printf("%s: ok\n", what);
}

// Exit signal 201 (the CSIGNAL byte of 0xc9) is no signal: Linux sends nothing.
static void
clone_bad_exit_signal(void)
{
    int status;
    long pid = syscall(SYS_clone, 0xc9L, 0L, 0L, 0L, 0L);

    if (pid == 0)
        _exit(7);
    show("clone exit signal 201", pid);
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
        ;
    printf("child status %d, parent alive\n", WEXITSTATUS(status));
}

// A new length past the top of user space must not wrap the range check.
static void
mremap_huge(void)
{
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *target = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    show("mremap fixed, huge new length",
         (long)mremap(p, 4096, 0x9080a39954df4030UL, MREMAP_MAYMOVE | MREMAP_FIXED, target));
    show("mremap huge old length", (long)mremap(p, 0xfffffffffff00000UL, 8192, 0));
    p[0] = 1;                                  // still mapped, and the stack too
    show("after mremap", 0);
}

static void
shmat_huge(void)
{
    int id = shmget(IPC_PRIVATE, 1UL << 47, IPC_CREAT | SHM_NORESERVE | 0600);

    if (id < 0) {
        show("shmget 128 TiB", id);
        return;
    }
    show("shmat 128 TiB at 0x800000000000", (long)shmat(id, (void *)0x800000000000UL, 0));
    show("shmat 128 TiB anywhere", (long)shmat(id, NULL, 0));
    shmctl(id, IPC_RMID, NULL);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    clone_bad_exit_signal();
    mremap_huge();
    shmat_huge();
    show("setuid(-1)", syscall(SYS_setuid, -1L));
    return 0;
}
