// membarrier(2): the commands and their errors (QUERY, GLOBAL, the
// PRIVATE_EXPEDITED ones before and after registering, SYNC_CORE,
// GET_REGISTRATIONS, bad commands and flags; registration is the address
// space's, and a fork's child keeps its copy), then barriers while another
// thread runs user code, which only an IPI reaches.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// <linux/membarrier.h>'s commands (musl's headers have none).
enum {
    MEMBARRIER_CMD_QUERY = 0,
    MEMBARRIER_CMD_GLOBAL = 1 << 0,
    MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1,
    MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 1 << 7,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8,
    MEMBARRIER_CMD_GET_REGISTRATIONS = 1 << 9,
};
// The RSEQ commands restart rseq critical sections, which this kernel does
// not abort: pkgload answers them as a kernel without CONFIG_RSEQ (EINVAL,
// and QUERY leaves them out), so their bits are not printed.
#define RSEQ_BITS                                                                                  \
    (MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)
#define ROUNDS 500

static long
membarrier(int cmd, unsigned int flags, int cpu)
{
    return syscall(SYS_membarrier, cmd, flags, cpu);
}

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-36s -1 %s\n", what,
               errno == EINVAL  ? "EINVAL"
               : errno == EPERM ? "EPERM"
                                : "other");
    else
        printf("%-36s %ld\n", what, ret);
}

static void
test_commands(void)
{
    long q = membarrier(MEMBARRIER_CMD_QUERY, 0, 0);

    printf("query without rseq: %#lx\n", q < 0 ? q : q & ~(long)RSEQ_BITS);
    show("query with flags", membarrier(MEMBARRIER_CMD_QUERY, 1, 0));
    show("command 3", membarrier(3, 0, 0));
    show("command 1<<20", membarrier(1 << 20, 0, 0));
    show("global", membarrier(MEMBARRIER_CMD_GLOBAL, 0, 0));
    show("global with flags", membarrier(MEMBARRIER_CMD_GLOBAL, 1, 0));
    show("global expedited", membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0));
    show("registrations", membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0));
    show("private unregistered", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
    show("sync core unregistered", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0));
    show("register private", membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
    show("register private again", membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
    show("private", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
    show("private with flags", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 1, 0));
    show("sync core still unregistered",
         membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0));
    show("register sync core",
         membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0));
    show("sync core", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0));
    show("register global expedited", membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0));
    show("registrations", membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0));
}

static void
test_fork(void)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        show("child registrations", membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0));
        show("child private", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
        _exit(0);
    }
    waitpid(pid, &status, 0);
}

static volatile int stop;
static volatile unsigned long spins;

// Runs the program without a syscall, so that only an IPI reaches its CPU.
static void *
spinner(void *arg)
{
    while (!stop)
        spins++;
    return arg;
}

// With a thread running user code (on the other vCPU under --smp 2), every
// barrier must be answered: a CPU that never does would hang the call.
static void
test_with_a_running_thread(void)
{
    pthread_t t;
    int failures = 0;

    pthread_create(&t, NULL, spinner, NULL);
    while (!spins)
        sched_yield();
    for (int i = 0; i < ROUNDS; i++) {
        failures += membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0;
        failures += membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) != 0;
        failures += membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) != 0;
    }
    failures += membarrier(MEMBARRIER_CMD_GLOBAL, 0, 0) != 0;
    stop = 1;
    pthread_join(t, NULL);
    printf("with a running thread: %d rounds, %d failures\n", ROUNDS, failures);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_commands();
    test_fork();
    test_with_a_running_thread();
    return 0;
}
