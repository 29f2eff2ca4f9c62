// Robust mutexes: when the owner thread exits holding one, the next locker
// gets EOWNERDEAD with the mutex held, also a locker already blocked on it
// when the owner died; pthread_mutex_consistent makes it usable again. Left
// inconsistent and unlocked, it becomes ENOTRECOVERABLE for good.
#include "thread_check.h"

#include <semaphore.h>

static sem_t locked, may_exit;

static void *
lock_and_exit(void *arg)
{
    pthread_mutex_lock(arg);
    sem_post(&locked);
    while (sem_wait(&may_exit) != 0)
        ;
    return NULL;  // exits still holding the mutex
}

static void *
lock_blocked(void *arg)
{
    return (void *)(long)pthread_mutex_lock(arg);
}

static void
init_robust(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;

    pthread_mutexattr_init(&attr);
    must("setrobust", pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST));
    pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
}

// Start an owner that locks m and exits holding it when we post may_exit.
static pthread_t
start_owner(pthread_mutex_t *m)
{
    pthread_t t = start_thread(lock_and_exit, m);

    while (sem_wait(&locked) != 0)
        ;
    return t;
}

static void
test_owner_died(void)
{
    pthread_mutex_t m;

    init_robust(&m);
    pthread_t owner = start_owner(&m);
    sem_post(&may_exit);
    join_thread(owner);
    show_err("lock after the owner exited", pthread_mutex_lock(&m));
    show_err("  consistent", pthread_mutex_consistent(&m));
    show_err("  unlock", pthread_mutex_unlock(&m));
    show_err("  lock again", pthread_mutex_lock(&m));
    show_err("  unlock", pthread_mutex_unlock(&m));
}

// The waiter is (most likely) asleep in the kernel when the owner dies; the
// result is the same if it comes late.
static void
test_waiter_woken(void)
{
    pthread_mutex_t m;

    init_robust(&m);
    pthread_t owner = start_owner(&m);
    pthread_t waiter = start_thread(lock_blocked, &m);
    struct timespec pause_20ms = { 0, 20000000 };
    nanosleep(&pause_20ms, NULL);
    sem_post(&may_exit);
    join_thread(owner);
    show_err("a blocked locker, when the owner exited", (int)(long)join_thread(waiter));
    show_err("  trylock from main (the waiter exited holding it too)", pthread_mutex_trylock(&m));
    show_err("  consistent", pthread_mutex_consistent(&m));
    show_err("  unlock", pthread_mutex_unlock(&m));
}

static void
test_not_recoverable(void)
{
    pthread_mutex_t m;

    init_robust(&m);
    pthread_t owner = start_owner(&m);
    sem_post(&may_exit);
    join_thread(owner);
    show_err("lock after the owner exited", pthread_mutex_lock(&m));
    show_err("  unlock without consistent", pthread_mutex_unlock(&m));
    show_err("  lock", pthread_mutex_lock(&m));
    show_err("  trylock", pthread_mutex_trylock(&m));
}

int
main(void)
{
    sem_init(&locked, 0, 0);
    sem_init(&may_exit, 0, 0);
    test_owner_died();
    test_waiter_woken();
    test_not_recoverable();
    return 0;
}
