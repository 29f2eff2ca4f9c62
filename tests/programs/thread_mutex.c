// pthread mutexes across threads: a counter incremented under a contended
// default mutex loses no update; trylock of a mutex another thread holds is
// EBUSY; an error-checking mutex refuses relocking (EDEADLK) and unlocking by
// a non-owner (EPERM); a recursive mutex counts its locks; a thread blocked
// on a held mutex gets it once it is unlocked.
#include "thread_check.h"

#include <unistd.h>

#define WORKERS 4
#define ROUNDS  5000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *
add_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&counter_lock);
        long seen = counter;
        if (i % 64 == 0)
            sched_yield();  // give another thread the chance to find it locked
        counter = seen + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void
test_counter(void)
{
    pthread_t t[WORKERS];

    for (int i = 0; i < WORKERS; i++)
        t[i] = start_thread(add_many, NULL);
    for (int i = 0; i < WORKERS; i++)
        join_thread(t[i]);
    printf("counter: %ld (expected %d)\n", counter, WORKERS * ROUNDS);
}

static void *
try_lock(void *arg)
{
    return (void *)(long)pthread_mutex_trylock(arg);
}

static void *
unlock_other(void *arg)
{
    return (void *)(long)pthread_mutex_unlock(arg);
}

// Run fn(m) on a thread of its own; return the error number it returned.
static int
on_other_thread(void *(*fn)(void *), pthread_mutex_t *m)
{
    return (int)(long)join_thread(start_thread(fn, m));
}

static void
test_trylock(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

    show_err("trylock, unlocked", pthread_mutex_trylock(&m));
    show_err("trylock from another thread, locked", on_other_thread(try_lock, &m));
    pthread_mutex_unlock(&m);
    show_err("trylock from another thread, unlocked", on_other_thread(try_lock, &m));
    show_err("trylock, held by an exited thread (default mutex)", pthread_mutex_trylock(&m));
}

static void
test_errorcheck(void)
{
    pthread_mutexattr_t attr;
    pthread_mutex_t m;

    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &attr);
    show_err("errorcheck: unlock while unlocked", pthread_mutex_unlock(&m));
    show_err("errorcheck: lock", pthread_mutex_lock(&m));
    show_err("errorcheck: lock again", pthread_mutex_lock(&m));
    show_err("errorcheck: unlock from another thread", on_other_thread(unlock_other, &m));
    show_err("errorcheck: unlock", pthread_mutex_unlock(&m));
    pthread_mutex_destroy(&m);
    pthread_mutexattr_destroy(&attr);
}

static void
test_recursive(void)
{
    pthread_mutexattr_t attr;
    pthread_mutex_t m;

    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m, &attr);
    for (int i = 0; i < 3; i++)
        pthread_mutex_lock(&m);
    show_err("recursive: trylock while held 3 times", pthread_mutex_trylock(&m));
    for (int i = 0; i < 3; i++)
        pthread_mutex_unlock(&m);
    show_err("recursive: trylock from another thread, held once", on_other_thread(try_lock, &m));
    show_err("recursive: unlock", pthread_mutex_unlock(&m));
    show_err("recursive: trylock from another thread, free", on_other_thread(try_lock, &m));
    pthread_mutex_destroy(&m);
    pthread_mutexattr_destroy(&attr);
}

static pthread_mutex_t handoff = PTHREAD_MUTEX_INITIALIZER;
static int handoff_value;

static void *
wait_for_lock(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&handoff);
    int seen = handoff_value;
    pthread_mutex_unlock(&handoff);
    return (void *)(long)seen;
}

// The waiter most likely blocks in the kernel (the 20 ms are only for that;
// the result is the same if it arrives after the unlock).
static void
test_blocked_waiter(void)
{
    struct timespec pause_20ms = { 0, 20000000 };

    pthread_mutex_lock(&handoff);
    pthread_t t = start_thread(wait_for_lock, NULL);
    nanosleep(&pause_20ms, NULL);
    handoff_value = 7;
    pthread_mutex_unlock(&handoff);
    printf("blocked waiter saw: %ld\n", (long)join_thread(t));
}

int
main(void)
{
    test_counter();
    test_trylock();
    test_errorcheck();
    test_recursive();
    test_blocked_waiter();
    return 0;
}
