// Deferred pthread_cancel: a thread blocked at a cancellation point (read of
// an empty pipe, pthread_cond_wait, nanosleep) is cancelled there, its
// cleanup handlers run (the condvar's re-locks and releases the mutex), and
// pthread_join gives PTHREAD_CANCELED. With cancellation disabled the
// request waits until it is enabled again and the thread tests for it.
#include "thread_check.h"

#include <semaphore.h>
#include <unistd.h>

static sem_t started;
static int pipe_fds[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int cleanups, went_on;

static void
cleanup_count(void *arg)
{
    (void)arg;
    cleanups++;
}

static void
cleanup_unlock(void *arg)
{
    cleanups++;
    pthread_mutex_unlock(arg);
}

static void *
block_in_read(void *arg)
{
    char c;

    (void)arg;
    pthread_cleanup_push(cleanup_count, NULL);
    sem_post(&started);
    for (;;)
        if (read(pipe_fds[0], &c, 1) >= 0)
            break;
    pthread_cleanup_pop(0);
    return (void *)1L;
}

static void *
block_in_cond_wait(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_cleanup_push(cleanup_unlock, &lock);
    sem_post(&started);
    for (;;)
        pthread_cond_wait(&never, &lock);
    pthread_cleanup_pop(1);
    return (void *)1L;
}

static void *
block_in_sleep(void *arg)
{
    struct timespec long_sleep = { 1000, 0 };

    (void)arg;
    pthread_cleanup_push(cleanup_count, NULL);
    sem_post(&started);
    nanosleep(&long_sleep, NULL);
    pthread_cleanup_pop(0);
    return (void *)1L;
}

// Cancellation off while waiting for the go-ahead (sem_wait would be a
// cancellation point), then on: pthread_testcancel acts on the request.
static void *
disabled_then_enabled(void *arg)
{
    sem_t *go = arg;
    int old;

    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_cleanup_push(cleanup_count, NULL);
    sem_post(&started);
    while (sem_wait(go) != 0)
        ;
    went_on = 1;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    pthread_testcancel();
    went_on = 2;  // not reached
    pthread_cleanup_pop(0);
    return (void *)1L;
}

static void
cancel_blocked(const char *what, void *(*fn)(void *))
{
    cleanups = 0;
    pthread_t t = start_thread(fn, NULL);
    sem_wait(&started);
    show_err(what, pthread_cancel(t));
    void *ret = join_thread(t);
    yes_no("  joined as PTHREAD_CANCELED", ret == PTHREAD_CANCELED);
    printf("  cleanup handlers run: %d\n", cleanups);
}

static void
test_disabled(void)
{
    sem_t go;

    cleanups = 0;
    sem_init(&go, 0, 0);
    pthread_t t = start_thread(disabled_then_enabled, &go);
    sem_wait(&started);
    show_err("cancel a thread with cancellation disabled", pthread_cancel(t));
    sem_post(&go);
    void *ret = join_thread(t);
    printf("  went on after the request: %s\n", went_on == 1 ? "yes, until testcancel" : "no");
    yes_no("  joined as PTHREAD_CANCELED", ret == PTHREAD_CANCELED);
    printf("  cleanup handlers run: %d\n", cleanups);
}

int
main(void)
{
    if (pipe(pipe_fds) < 0)
        return 1;
    sem_init(&started, 0, 0);
    cancel_blocked("cancel a thread in read", block_in_read);
    cancel_blocked("cancel a thread in pthread_cond_wait", block_in_cond_wait);
    show_err("  the mutex is free again", pthread_mutex_trylock(&lock));
    pthread_mutex_unlock(&lock);
    cancel_blocked("cancel a thread in nanosleep", block_in_sleep);
    test_disabled();
    return 0;
}
