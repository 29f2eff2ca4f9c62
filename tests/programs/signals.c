// Signal state without handlers running. argv[1] picks the check:
//   record  rt_sigaction and rt_sigprocmask keep what was set and give it back;
//           SIGKILL/SIGSTOP and out-of-range numbers are refused with EINVAL
//   ignore  SIGTERM set to SIG_IGN, then sent to self: the program survives
//   block   SIGTERM blocked, then sent to self: pending, the program survives
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
on_usr1(int sig)
{
    (void)sig;
}

static void
yes_no(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
}

static int
check_record(void)
{
    struct sigaction sa, cur;
    sigset_t set, now;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    yes_no("sigaction(SIGUSR1) set", sigaction(SIGUSR1, &sa, NULL) == 0);
    memset(&cur, 0, sizeof(cur));
    yes_no("sigaction(SIGUSR1) read back", sigaction(SIGUSR1, NULL, &cur) == 0);
    yes_no("handler kept", cur.sa_handler == on_usr1);
    yes_no("SA_RESTART kept", (cur.sa_flags & SA_RESTART) != 0);
    yes_no("mask kept", sigismember(&cur.sa_mask, SIGUSR2) == 1);
    yes_no("SIGUSR2 still default",
           sigaction(SIGUSR2, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL);

    errno = 0;
    yes_no("sigaction(SIGKILL) fails with EINVAL",
           sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);
    errno = 0;
    yes_no("sigaction(SIGSTOP) fails with EINVAL",
           sigaction(SIGSTOP, &sa, NULL) == -1 && errno == EINVAL);
    errno = 0;
    yes_no("sigaction(0) fails with EINVAL", sigaction(0, &sa, NULL) == -1 && errno == EINVAL);

    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGKILL);  // silently not blocked, as on Linux
    yes_no("sigprocmask(SIG_BLOCK)", sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    yes_no("sigprocmask read back", sigprocmask(SIG_BLOCK, NULL, &now) == 0);
    yes_no("SIGUSR2 blocked", sigismember(&now, SIGUSR2) == 1);
    yes_no("SIGKILL not blocked", sigismember(&now, SIGKILL) == 0);
    yes_no("SIGUSR1 not blocked", sigismember(&now, SIGUSR1) == 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    yes_no("sigprocmask(SIG_UNBLOCK)", sigprocmask(SIG_UNBLOCK, &set, &now) == 0);
    yes_no("old mask had SIGUSR2", sigismember(&now, SIGUSR2) == 1);
    sigprocmask(SIG_BLOCK, NULL, &now);
    yes_no("SIGUSR2 unblocked", sigismember(&now, SIGUSR2) == 0);
    errno = 0;
    yes_no("sigprocmask(how=42) fails with EINVAL",
           sigprocmask(42, &set, NULL) == -1 && errno == EINVAL);
    return 0;
}

static int
check_ignore(void)
{
    yes_no("signal(SIGTERM, SIG_IGN)", signal(SIGTERM, SIG_IGN) != SIG_ERR);
    fflush(stdout);
    kill(getpid(), SIGTERM);
    printf("survived an ignored SIGTERM\n");
    return 0;
}

static int
check_block(void)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    yes_no("SIGTERM blocked", sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    fflush(stdout);
    kill(getpid(), SIGTERM);
    printf("survived a blocked SIGTERM\n");
    yes_no("SIGTERM pending", sigpending(&pending) == 0 && sigismember(&pending, SIGTERM) == 1);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "record") == 0)
        return check_record();
    if (argc == 2 && strcmp(argv[1], "ignore") == 0)
        return check_ignore();
    if (argc == 2 && strcmp(argv[1], "block") == 0)
        return check_block();
    fprintf(stderr, "usage: signals record|ignore|block\n");
    return 2;
}
