// /init for the Linux baseline of tools/bench: note the guest time at which
// Linux started init, run /hello (the same static binary pkgload runs) to
// completion, report, and end QEMU through isa-debug-exit (port 0xf4).
#include <stdio.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_VALUE 0x10  // QEMU exits with (0x10 << 1) | 1 = 33, as for pkgload

static long long
boottime_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int
run_hello(void)
{
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        execl("/hello", "hello", (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

int
main(void)
{
    long long at_init = boottime_us();
    int status = run_hello();
    long long at_done = boottime_us();

    printf("bench-init: init-at %lld us, hello-done-at %lld us, hello-status %d\n", at_init,
           at_done, status);
    fflush(stdout);
    if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
        outl(DEBUG_EXIT_VALUE, DEBUG_EXIT_PORT);
    reboot(RB_AUTOBOOT);  // with -no-reboot, QEMU exits
    return 1;
}
