// Read-write locks: readers share the lock, a writer excludes readers and
// writers (try*lock EBUSY, timed*lock ETIMEDOUT no earlier than asked), and
// under load (three readers, two writers) no reader ever sees a writer's
// update half done and no write is lost.
#include "thread_check.h"

#define TIMEOUT_MS 40
#define WRITES     2000
#define READS      4000

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *
try_read(void *arg)
{
    (void)arg;
    int err = pthread_rwlock_tryrdlock(&rw);
    if (err == 0)
        pthread_rwlock_unlock(&rw);
    return (void *)(long)err;
}

static void *
try_write(void *arg)
{
    (void)arg;
    int err = pthread_rwlock_trywrlock(&rw);
    if (err == 0)
        pthread_rwlock_unlock(&rw);
    return (void *)(long)err;
}

static void *
timed_read(void *arg)
{
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, TIMEOUT_MS);

    (void)arg;
    int err = pthread_rwlock_timedrdlock(&rw, &deadline);
    if (err == 0)
        pthread_rwlock_unlock(&rw);
    return (void *)(long)err;
}

static void *
timed_write(void *arg)
{
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, TIMEOUT_MS);

    (void)arg;
    int err = pthread_rwlock_timedwrlock(&rw, &deadline);
    if (err == 0)
        pthread_rwlock_unlock(&rw);
    return (void *)(long)err;
}

static int
other(void *(*fn)(void *))
{
    return (int)(long)join_thread(start_thread(fn, NULL));
}

static void
timed_other(const char *what, void *(*fn)(void *))
{
    long long t0 = now_ns(CLOCK_MONOTONIC);

    show_err(what, other(fn));
    yes_no("  waited at least the timeout", ms_since(t0) >= TIMEOUT_MS - 1);
}

static void
test_exclusion(void)
{
    show_err("rdlock", pthread_rwlock_rdlock(&rw));
    show_err("  another thread's tryrdlock", other(try_read));
    show_err("  another thread's trywrlock", other(try_write));
    timed_other("  another thread's timedwrlock", timed_write);
    show_err("  unlock", pthread_rwlock_unlock(&rw));
    show_err("wrlock", pthread_rwlock_wrlock(&rw));
    show_err("  another thread's tryrdlock", other(try_read));
    show_err("  another thread's trywrlock", other(try_write));
    timed_other("  another thread's timedrdlock", timed_read);
    timed_other("  another thread's timedwrlock", timed_write);
    show_err("  unlock", pthread_rwlock_unlock(&rw));
    show_err("free: another thread's trywrlock", other(try_write));
}

static long a, b;  // a writer keeps them equal, one step at a time

static void *
writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < WRITES; i++) {
        pthread_rwlock_wrlock(&rw);
        a++;
        if (i % 128 == 0)
            sched_yield();
        b++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *
reader(void *arg)
{
    long torn = 0;

    (void)arg;
    for (int i = 0; i < READS; i++) {
        pthread_rwlock_rdlock(&rw);
        torn += a != b;
        pthread_rwlock_unlock(&rw);
    }
    return (void *)torn;
}

static void
test_load(void)
{
    pthread_t r[3], w[2];
    long torn = 0;

    for (int i = 0; i < 3; i++)
        r[i] = start_thread(reader, NULL);
    for (int i = 0; i < 2; i++)
        w[i] = start_thread(writer, NULL);
    for (int i = 0; i < 2; i++)
        join_thread(w[i]);
    for (int i = 0; i < 3; i++)
        torn += (long)join_thread(r[i]);
    printf("under load: a=%ld b=%ld (expected %d), torn reads %ld\n", a, b, 2 * WRITES, torn);
}

int
main(void)
{
    test_exclusion();
    test_load();
    return 0;
}
