// The process benchmarks of `tools/bench --program fork` (issue 10), one
// static program run the same way under pkgload, as the Linux guest's /init
// program and natively: fork+exit+wait per second, fork+exec+wait of a
// static hello per second, posix_spawn+wait of it per second, and a process
// with a big heap, every page touched, forking: how long fork() takes, how
// much memory the fork added while the child lives (copy-on-write: only
// page tables, never the heap), the cost of a copy-on-write fault in the
// child and the memory its 10 MiB of writes add, and the child's exit and
// reaping. Each result is one line,
// `bench-fork: NAME VALUE UNIT`; times are the guest's CLOCK_MONOTONIC,
// memory comes from sysinfo(2) (no /proc needed).
// argv: [HELLO [HEAP_MIB [SCALE]]], default /hello 1024 1.
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE      4096
#define COW_PAGES 2560  // 10 MiB the child writes after the big fork

extern char **environ;

static double scale = 1;

static double
now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void
report(const char *name, double value, const char *unit)
{
    printf("bench-fork: %s %.1f %s\n", name, value, unit);
    fflush(stdout);
}

static void
fail(const char *what)
{
    perror(what);
    exit(1);
}

// Memory in use in the whole machine, in MiB.
static double
used_mib(void)
{
    struct sysinfo si;

    if (sysinfo(&si) != 0)
        fail("sysinfo");
    return (double)(si.totalram - si.freeram) * si.mem_unit / (1 << 20);
}

static void
reap_ok(pid_t pid)
{
    int status;

    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench-fork: child ended with status 0x%x\n", status);
        exit(1);
    }
}

// fork, the child exits at once, the parent waits; for about half a second.
static void
bench_fork_exit(void)
{
    double start = now_s(), end = start + 0.5 * scale;
    long n = 0;

    while (now_s() < end) {
        for (int i = 0; i < 10; i++, n++) {
            pid_t pid = fork();
            if (pid < 0)
                fail("fork");
            if (pid == 0)
                _exit(0);
            reap_ok(pid);
        }
    }
    report("fork-exit-wait", n / (now_s() - start), "per-s");
}

// fork, the child execs HELLO with its stdout closed, the parent waits.
static void
bench_fork_exec(const char *hello)
{
    char *argv[] = { "hello", NULL };
    double start = now_s(), end = start + 0.5 * scale;
    long n = 0;

    while (now_s() < end) {
        for (int i = 0; i < 5; i++, n++) {
            pid_t pid = fork();
            if (pid < 0)
                fail("fork");
            if (pid == 0) {
                close(STDOUT_FILENO);
                execve(hello, argv, environ);
                _exit(127);
            }
            reap_ok(pid);
        }
    }
    report("fork-exec-wait", n / (now_s() - start), "per-s");
}

// posix_spawn (clone with CLONE_VM|CLONE_VFORK in glibc) of HELLO, then wait.
static void
bench_spawn(const char *hello)
{
    char *argv[] = { "hello", NULL };
    posix_spawn_file_actions_t fa;
    double start = now_s(), end = start + 0.5 * scale;
    long n = 0;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, STDOUT_FILENO);
    while (now_s() < end) {
        for (int i = 0; i < 5; i++, n++) {
            pid_t pid;
            int err = posix_spawn(&pid, hello, &fa, NULL, argv, environ);
            if (err) {
                fprintf(stderr, "posix_spawn: %s\n", strerror(err));
                exit(1);
            }
            reap_ok(pid);
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    report("spawn-wait", n / (now_s() - start), "per-s");
}

// The child of the big fork: when told, write one byte in each of
// COW_PAGES pages, report the time per copy-on-write fault to the parent
// through a pipe, then wait for the parent to have read the memory figures.
static void
big_child(char *heap, int to_parent, int from_parent)
{
    double start, per_fault_us;
    char c;

    if (read(from_parent, &c, 1) != 1)
        _exit(1);
    start = now_s();
    for (long i = 0; i < COW_PAGES; i++)
        heap[i * PAGE] = 2;
    per_fault_us = (now_s() - start) / COW_PAGES * 1e6;
    if (write(to_parent, &per_fault_us, sizeof(per_fault_us)) != sizeof(per_fault_us))
        _exit(1);
    if (read(from_parent, &c, 1) != 1)
        _exit(1);
    _exit(0);
}

static void
bench_big_fork(long heap_mib)
{
    size_t bytes = (size_t)heap_mib << 20;
    int up[2], down[2];
    double before, touched, forked, written, per_fault_us, t0, t1, t2;
    char *heap;
    pid_t pid;

    before = used_mib();
    heap = malloc(bytes);
    if (!heap || pipe(up) || pipe(down))
        fail("malloc or pipe");
    t0 = now_s();
    for (size_t i = 0; i < bytes; i += PAGE)
        heap[i] = 1;
    report("big-touch", (now_s() - t0) * 1e3, "ms");
    touched = used_mib();
    t1 = now_s();
    pid = fork();
    t2 = now_s();
    if (pid < 0)
        fail("fork");
    if (pid == 0)
        big_child(heap, up[1], down[0]);
    report("big-fork", (t2 - t1) * 1e6, "us");
    forked = used_mib();
    if (write(down[1], "x", 1) != 1)
        fail("write");
    if (read(up[0], &per_fault_us, sizeof(per_fault_us)) != sizeof(per_fault_us))
        fail("read");
    written = used_mib();
    t1 = now_s();
    if (write(down[1], "x", 1) != 1)
        fail("write");
    reap_ok(pid);
    report("big-exit-wait", (now_s() - t1) * 1e6, "us");
    report("big-heap", touched - before, "MiB");
    report("big-fork-added", forked - touched, "MiB");
    report("cow-written-added", written - forked, "MiB");
    report("cow-fault", per_fault_us, "us");
    free(heap);
}

int
main(int argc, char **argv)
{
    const char *hello = argc > 1 ? argv[1] : "/hello";
    long heap_mib = argc > 2 ? atol(argv[2]) : 1024;

    if (argc > 3)
        scale = atof(argv[3]);
    if (access(hello, X_OK) != 0)
        fail(hello);
    bench_fork_exit();
    bench_fork_exec(hello);
    bench_spawn(hello);
    bench_big_fork(heap_mib);
    return 0;
}
