// A signal sent to the process (kill(getpid(), ...)) runs its handler in
// the one thread that does not block it, every time, even though that
// thread is asleep in sem_wait and the sender is another thread. When every
// thread blocks it, it stays pending for the process (seen by sigpending in
// any thread) and runs in the first thread that unblocks it.
#include "thread_check.h"

#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORKERS 3
#define SENDS   5

static volatile pid_t handled_by;
static sem_t handled, ready, finish[WORKERS];
static pid_t worker_tid[WORKERS];

static void
on_usr1(int sig)
{
    (void)sig;
    handled_by = (pid_t)syscall(SYS_gettid);
    sem_post(&handled);
}

static void
wait_sem(sem_t *s)
{
    while (sem_wait(s) != 0)
        ;
}

// Worker 1 unblocks SIGUSR1; the others keep the mask they were created with.
static void *
worker(void *arg)
{
    long me = (long)arg;
    sigset_t set;

    if (me == 1) {
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    worker_tid[me] = (pid_t)syscall(SYS_gettid);
    sem_post(&ready);
    wait_sem(&finish[me]);
    return NULL;
}

static void
test_one_unblocked(void)
{
    pthread_t t[WORKERS];
    int by_worker1 = 0;

    for (long i = 0; i < WORKERS; i++)
        t[i] = start_thread(worker, (void *)i);
    for (int i = 0; i < WORKERS; i++)
        wait_sem(&ready);
    for (int i = 0; i < SENDS; i++) {
        handled_by = 0;
        kill(getpid(), SIGUSR1);
        wait_sem(&handled);
        by_worker1 += handled_by == worker_tid[1];
    }
    printf("kill(getpid(), SIGUSR1) %d times: handled by the one unblocking thread %d times\n",
           SENDS, by_worker1);
    for (int i = 0; i < WORKERS; i++) {
        sem_post(&finish[i]);
        join_thread(t[i]);
    }
}

static void *
check_pending(void *arg)
{
    sigset_t pending;

    (void)arg;
    sigpending(&pending);
    return (void *)(long)sigismember(&pending, SIGUSR1);
}

static void
test_all_blocked(void)
{
    sigset_t set, pending;

    handled_by = 0;
    kill(getpid(), SIGUSR1);
    sigpending(&pending);
    yes_no("all threads block it: pending for main", sigismember(&pending, SIGUSR1));
    yes_no("  and for a new thread", join_thread(start_thread(check_pending, NULL)) != NULL);
    yes_no("  not handled yet", handled_by == 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    yes_no("  handled by main once it unblocked it", handled_by == getpid());
    wait_sem(&handled);
}

int
main(void)
{
    struct sigaction sa;
    sigset_t set;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);  // new threads inherit the mask
    sem_init(&handled, 0, 0);
    sem_init(&ready, 0, 0);
    for (int i = 0; i < WORKERS; i++)
        sem_init(&finish[i], 0, 0);
    test_one_unblocked();
    test_all_blocked();
    return 0;
}
