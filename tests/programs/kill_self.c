// Signals to self with default actions: ignored ones (SIGCHLD, SIGWINCH)
// change nothing; then argv[1] (a signal number) is sent by the route in
// argv[2] (kill, raise or tgkill) and should end the program.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kill_self SIGNO kill|raise|tgkill\n");
        return 2;
    }
    int sig = atoi(argv[1]);

    kill(getpid(), SIGCHLD);
    raise(SIGWINCH);
    printf("survived SIGCHLD and SIGWINCH\n");
    fprintf(stderr, "sending signal %d by %s\n", sig, argv[2]);
    fflush(stdout);
    if (strcmp(argv[2], "kill") == 0)
        kill(getpid(), sig);
    else if (strcmp(argv[2], "raise") == 0)
        raise(sig);
    else
        syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
    fprintf(stderr, "still alive after signal %d: wrong\n", sig);
    return 3;
}
