// Waits in poll() for signals sent from outside the program. tests/test_signals.py
// sends them to this program natively and to `pkgload run`, which passes them
// on; both runs must print the same and end the same way.
//   handle: SIGINT and SIGTERM have a handler, which reports the signal and
//           its si_code (and under pkgload, where only a signal can end the
//           wait, runs only once the wait has ended); SIGTERM's handler then
//           ends the program with status 3. Natively the signal may come
//           before the wait starts, so the wait's EINTR is not reported.
//   ignore: SIGINT and SIGTERM are ignored; the wait never ends (pkgload
//           stops the VM itself).
//   self:   as handle, the program sending both to itself with kill()
//           (tests/test_differential.py).
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// write(2) only: the handler may run while main is inside stdio.
static void
say(const char *name, int code)
{
    char line[64];
    size_t n = strlen(name);

    memcpy(line, name, n);
    memcpy(line + n, " si_code ", 9);
    n += 9;
    if (code < 0) {
        line[n++] = '-';
        code = -code;
    }
    if (code >= 10)
        line[n++] = '0' + code / 10 % 10;
    line[n++] = '0' + code % 10;
    line[n++] = '\n';
    write(1, line, n);
}

static void
on_signal(int sig, siginfo_t *info, void *context)
{
    (void)context;
    say(sig == SIGTERM ? "SIGTERM" : "SIGINT", info->si_code);
    if (sig == SIGTERM)
        _exit(3);
}

int
main(int argc, char **argv)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    if (argc > 1 && strcmp(argv[1], "ignore") == 0) {
        sa.sa_handler = SIG_IGN;
    } else {
        sa.sa_sigaction = on_signal;
        sa.sa_flags = SA_SIGINFO;
    }
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "self") == 0) {
        kill(getpid(), SIGINT);
        kill(getpid(), SIGTERM);
    }
    for (;;)
        poll(NULL, 0, -1);
}
