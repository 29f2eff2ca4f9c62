// Threads that all wait at once, each its own way: nanosleep, a condvar's
// timed wait, sem_timedwait, a raw futex wait with a timeout, poll on an
// idle pipe, and sigtimedwait; main waits in pthread_join. Each must wait at
// least as long as asked and come back with Linux's result; only those
// checks are printed. tests/test_idle.py runs it to check that the guest
// leaves the host CPU idle while every thread sleeps. argv[1]: the wait in
// ms (default 100; 0 for a quick run).
#include "thread_check.h"

#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128

static long wait_ms = 100;
static pthread_barrier_t all_started;

struct waiter {
    const char *name;
    long (*wait)(void);
    long ret;
    int err;
    long long waited_ms;
};

static struct timespec
relative(void)
{
    return (struct timespec){ wait_ms / 1000, wait_ms % 1000 * 1000000L };
}

static long
do_nanosleep(void)
{
    struct timespec t = relative();

    return nanosleep(&t, NULL);
}

static long
do_cond(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, wait_ms);

    pthread_mutex_lock(&m);
    long err = pthread_cond_timedwait(&c, &m, &deadline);
    pthread_mutex_unlock(&m);
    return err;
}

static long
do_sem(void)
{
    sem_t s;
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, wait_ms);

    sem_init(&s, 0, 0);
    return sem_timedwait(&s, &deadline);
}

static long
do_futex(void)
{
    uint32_t word = 0;
    struct timespec t = relative();

    return syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &t, NULL, 0);
}

static long
do_poll(void)
{
    int fds[2];

    if (pipe(fds) < 0)
        return -2;
    struct pollfd p = { fds[0], POLLIN, 0 };
    long ret = poll(&p, 1, (int)wait_ms);
    close(fds[0]);
    close(fds[1]);
    return ret;
}

static long
do_sigtimedwait(void)
{
    sigset_t set;
    struct timespec t = relative();

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);  // blocked in every thread, never sent
    return sigtimedwait(&set, NULL, &t);
}

static void *
run_waiter(void *arg)
{
    struct waiter *w = arg;

    pthread_barrier_wait(&all_started);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    errno = 0;
    w->ret = w->wait();
    w->err = errno;
    w->waited_ms = ms_since(t0);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct waiter waiters[] = {
        { "nanosleep", do_nanosleep, 0, 0, 0 },
        { "pthread_cond_timedwait", do_cond, 0, 0, 0 },
        { "sem_timedwait", do_sem, 0, 0, 0 },
        { "futex wait", do_futex, 0, 0, 0 },
        { "poll on an idle pipe", do_poll, 0, 0, 0 },
        { "sigtimedwait", do_sigtimedwait, 0, 0, 0 },
    };
    enum { N = sizeof(waiters) / sizeof(waiters[0]) };
    pthread_t t[N];
    sigset_t set;

    if (argc > 1)
        wait_ms = atol(argv[1]);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_barrier_init(&all_started, NULL, N);
    for (int i = 0; i < N; i++)
        t[i] = start_thread(run_waiter, &waiters[i]);
    for (int i = 0; i < N; i++)
        join_thread(t[i]);
    for (int i = 0; i < N; i++) {
        struct waiter *w = &waiters[i];
        printf("%s: %ld (%s), waited at least %ld ms: %s, woke in time: %s\n", w->name, w->ret,
               w->ret < 0 ? err_name(w->err) : "no errno", wait_ms,
               w->waited_ms >= wait_ms ? "yes" : "no",
               w->waited_ms < wait_ms + LATE_MS ? "yes" : "no");
    }
    return 0;
}
