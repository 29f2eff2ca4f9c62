// /init for the Linux baseline of tools/bench: note the guest time at which
// Linux started init, run the program to completion, report, and end QEMU
// through isa-debug-exit (port 0xf4). The program is /hello (the same static
// binary pkgload runs), or, when the kernel command line ends with
// `-- PATH ARGV0 ARGS...`, PATH with that argv and pkgload's default env.
#include <stdio.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_VALUE 0x10  // QEMU exits with (0x10 << 1) | 1 = 33, as for pkgload

// loader/image.py DEFAULT_ENV: what pkgload gives a program
static char *const program_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/",
    NULL,
};

static long long
boottime_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

// Run path with argv to its end; return its wait status, or -1.
static int
run_program(const char *path, char *const argv[])
{
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        execve(path, argv, program_env);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

int
main(int argc, char *argv[])
{
    static char *const hello_argv[] = { "hello", NULL };
    long long at_init = boottime_us();
    int status = argc >= 3 ? run_program(argv[1], argv + 2) : run_program("/hello", hello_argv);
    long long at_done = boottime_us();

    printf("bench-init: init-at %lld us, program-done-at %lld us, program-status %d\n", at_init,
           at_done, status);
    fflush(stdout);
    tcdrain(STDOUT_FILENO);  // the UART sends the last lines before QEMU ends
    if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
        outl(DEBUG_EXIT_VALUE, DEBUG_EXIT_PORT);
    reboot(RB_AUTOBOOT);  // with -no-reboot, QEMU exits
    return 1;
}
