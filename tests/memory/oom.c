// Runs out of memory on purpose, one way per argument (tests/test_memory.py):
//   malloc    malloc and touch 1 MiB blocks until malloc returns NULL
//   small     malloc and touch 4 KiB blocks (brk, then mmap) until NULL
//   mmap      one private writable mapping larger than all memory: ENOMEM
//   brk       grow the break by more than all memory: refused
//   touch     map 1 MiB blocks without touching them, then touch them all
//   fork      touch 2/3 of what malloc can get, fork, the child writes it all
//             (copy-on-write), the parent reports how the child ended
//   fork-full the same with all that malloc can get: memory is full when the
//             child's pages are given back (or the fork itself fails)
//   fallocate a file's fallocate larger than memory: ENOSPC, leaving the file
//             empty and the memory free (malloc then gets most of it)
// Each mode ends with a line saying what happened, or is killed.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB        (1UL << 20)
#define MAX_BLOCKS 65536

static char *blocks[MAX_BLOCKS];

// ENOMEM by name: glibc and musl word strerror(ENOMEM) differently.
static const char *
err_name(int e)
{
    return e == ENOMEM ? "ENOMEM" : strerror(e);
}

// Touch blocks of SIZE bytes from malloc until it fails; return how many.
static size_t
fill(size_t size)
{
    size_t n = 0;

    while (n < MAX_BLOCKS && (blocks[n] = malloc(size)) != NULL)
        memset(blocks[n++], 0x5a, size);
    return n;
}

static int
mode_fork(bool full)
{
    size_t n = fill(MIB), keep = full ? n : n * 2 / 3, sum = 0;
    int status;
    pid_t pid;

    for (size_t i = keep; i < n; i++)
        free(blocks[i]);
    pid = fork();
    if (pid < 0) {
        printf("fork failed: %s\n", err_name(errno));
        return 0;
    }
    if (pid == 0) {
        for (size_t i = 0; i < keep; i++)
            memset(blocks[i], 0xa5, MIB);       // each page copied: more than is free
        _exit(3);
    }
    waitpid(pid, &status, 0);
    for (size_t i = 0; i < keep; i++)
        sum += (unsigned char)blocks[i][MIB - 1];
    if (WIFSIGNALED(status))
        printf("child killed by signal %d, parent's memory intact: %d\n", WTERMSIG(status),
               sum == keep * 0x5a);
    else
        printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}

static int
mode_touch(void)
{
    size_t n = 0;

    while (n < MAX_BLOCKS) {
        void *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            break;
        blocks[n++] = p;
        if (n * MIB >= (size_t)16 << 30)
            break;
    }
    for (size_t i = 0; i < n; i++)
        memset(blocks[i], 1, MIB);
    printf("touched %zu MiB\n", n);
    return 0;
}

static int
mode_fallocate(void)
{
    static const unsigned long lengths[] = { 64UL << 30, 64 * MIB };
    int fd = memfd_create("oom", 0);
    struct stat st;
    size_t n;

    if (fd < 0) {
        printf("memfd_create: %s\n", strerror(errno));
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        int r = fallocate(fd, 0, 0, (off_t)lengths[i]);
        printf("fallocate %lu MiB: %s\n", lengths[i] / MIB,
               r ? (errno == ENOSPC ? "ENOSPC" : strerror(errno)) : "allocated");
    }
    fstat(fd, &st);
    printf("file size %lld, blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
    n = fill(MIB);
    printf("then malloc got %s\n", n >= 4 ? "most of memory" : "almost nothing");
    return 0;
}

int
main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "malloc";

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(mode, "malloc") || !strcmp(mode, "small")) {
        size_t size = !strcmp(mode, "malloc") ? MIB : 4096;
        size_t n = fill(size);
        printf("malloc failed (%s) after %zu KiB\n", err_name(errno), n * size / 1024);
        return 0;
    }
    if (!strcmp(mode, "mmap")) {
        void *p = mmap(NULL, (size_t)64 << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        printf("mmap 64 GiB: %s\n", p == MAP_FAILED ? err_name(errno) : "mapped");
        p = mmap(NULL, (size_t)64 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                 0);
        printf("mmap 64 GiB PROT_NONE: %s\n", p == MAP_FAILED ? err_name(errno) : "mapped");
        return 0;
    }
    if (!strcmp(mode, "brk")) {
        void *old = sbrk(0);
        void *r = sbrk((intptr_t)64 << 30);
        printf("sbrk 64 GiB: %s, break %s\n", r == (void *)-1 ? err_name(errno) : "moved",
               sbrk(0) == old ? "unchanged" : "moved");
        return 0;
    }
    if (!strcmp(mode, "touch"))
        return mode_touch();
    if (!strcmp(mode, "fork") || !strcmp(mode, "fork-full"))
        return mode_fork(!strcmp(mode, "fork-full"));
    if (!strcmp(mode, "fallocate"))
        return mode_fallocate();
    fprintf(stderr, "oom: unknown mode %s\n", mode);
    return 2;
}
