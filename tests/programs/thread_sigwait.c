// sigwaitinfo and sigtimedwait: a blocked signal queued by another thread
// (sigqueue) comes back with its value, code and sender; one raised in the
// waiting thread too; real-time signals queued three times come back three
// times in order; sigtimedwait with nothing pending times out with EAGAIN
// (at once for a zero timeout, no earlier than asked for 50 ms); a thread
// in sigwait receives a signal sent to the process while every thread
// blocks it.
#include "thread_check.h"

#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#define TIMEOUT_MS 50

static void
show_info(const char *what, int ret, const siginfo_t *si)
{
    if (ret < 0) {
        printf("%s: -1 %s\n", what, err_name(errno));
        return;
    }
    printf("%s: signal %s, code %s, value %d, from this process: %s\n", what,
           ret == SIGUSR1    ? "SIGUSR1"
           : ret == SIGUSR2  ? "SIGUSR2"
           : ret == SIGRTMIN ? "SIGRTMIN"
                             : "other",
           si->si_code == SI_QUEUE   ? "SI_QUEUE"
           : si->si_code == SI_TKILL ? "SI_TKILL"
           : si->si_code == SI_USER  ? "SI_USER"
                                     : "other",
           si->si_code == SI_QUEUE ? si->si_value.sival_int : 0,
           si->si_pid == getpid() ? "yes" : "no");
}

static void *
queue_usr1(void *arg)
{
    union sigval v = { .sival_int = 42 };

    (void)arg;
    sigqueue(getpid(), SIGUSR1, v);
    return NULL;
}

static void
test_queued_by_thread(const sigset_t *set)
{
    siginfo_t si;

    pthread_t t = start_thread(queue_usr1, NULL);
    int ret = sigwaitinfo(set, &si);
    show_info("sigwaitinfo, sigqueue from another thread", ret, &si);
    join_thread(t);
}

static void
test_raised(const sigset_t *set)
{
    siginfo_t si;

    raise(SIGUSR2);
    show_info("sigwaitinfo, raise(SIGUSR2) before", sigwaitinfo(set, &si), &si);
}

static void
test_realtime_queue(const sigset_t *set)
{
    siginfo_t si;
    char what[48];

    for (int i = 1; i <= 3; i++)
        sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = i });
    for (int i = 1; i <= 3; i++) {
        snprintf(what, sizeof(what), "sigwaitinfo, SIGRTMIN queued 3 times (%d)", i);
        show_info(what, sigwaitinfo(set, &si), &si);
    }
    struct timespec zero = { 0, 0 };
    show_info("sigtimedwait, zero timeout, nothing left", sigtimedwait(set, &si, &zero), &si);
}

static void
test_timeout(const sigset_t *set)
{
    siginfo_t si;
    struct timespec timeout = { 0, TIMEOUT_MS * 1000000L }, bad = { 0, 1000000000 };

    long long t0 = now_ns(CLOCK_MONOTONIC);
    show_info("sigtimedwait, 50 ms, nothing pending", sigtimedwait(set, &si, &timeout), &si);
    long long waited = ms_since(t0);
    yes_no("  waited at least the timeout", waited >= TIMEOUT_MS);
    yes_no("  woke in time", waited < TIMEOUT_MS + LATE_MS);
    show_info("sigtimedwait, tv_nsec 1e9", sigtimedwait(set, &si, &bad), &si);
}

static sem_t waiting;

static void *
wait_usr2(void *arg)
{
    int sig = 0;

    sem_post(&waiting);
    sigwait(arg, &sig);
    return (void *)(long)sig;
}

static void
test_sigwait_thread(const sigset_t *set)
{
    sem_init(&waiting, 0, 0);
    pthread_t t = start_thread(wait_usr2, (void *)set);
    while (sem_wait(&waiting) != 0)
        ;
    kill(getpid(), SIGUSR2);  // main blocks it too: only the waiter can take it
    yes_no("a thread in sigwait got kill(getpid(), SIGUSR2)", (long)join_thread(t) == SIGUSR2);
}

int
main(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    test_queued_by_thread(&set);
    test_raised(&set);
    test_realtime_queue(&set);
    test_timeout(&set);
    test_sigwait_thread(&set);
    return 0;
}
