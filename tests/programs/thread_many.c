// 200 threads alive at once, with the default attributes (glibc gives each
// an 8 MiB stack): each has a thread id of its own, not the process's, and
// its return value comes back through pthread_join. Then 200 more, created
// and joined one at a time, so thread ids and stacks are reused.
#include "thread_check.h"

#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int started, released;
static pid_t tids[THREADS];

// Note our tid, then wait until main has seen all THREADS started.
static void *
hold(void *arg)
{
    long i = (long)arg;

    pthread_mutex_lock(&lock);
    tids[i] = (pid_t)syscall(SYS_gettid);
    started++;
    pthread_cond_broadcast(&changed);
    while (!released)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return (void *)(i * i);
}

static int
compare_tids(const void *x, const void *y)
{
    return *(const pid_t *)x - *(const pid_t *)y;
}

static void
test_all_at_once(void)
{
    pthread_t t[THREADS];
    long sum = 0, expected = 0;
    int distinct = 1, not_pid = 1;

    for (long i = 0; i < THREADS; i++)
        t[i] = start_thread(hold, (void *)i);
    pthread_mutex_lock(&lock);
    while (started < THREADS)
        pthread_cond_wait(&changed, &lock);
    released = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    for (long i = 0; i < THREADS; i++) {
        sum += (long)join_thread(t[i]);
        expected += i * i;
    }
    qsort(tids, THREADS, sizeof(tids[0]), compare_tids);
    for (int i = 0; i < THREADS; i++) {
        distinct &= i == 0 || tids[i] != tids[i - 1];
        not_pid &= tids[i] != getpid();
    }
    printf("%d threads alive at once: started %d\n", THREADS, started);
    printf("  sum of returned values: %ld (expected %ld)\n", sum, expected);
    yes_no("  thread ids distinct", distinct);
    yes_no("  none is the process id", not_pid);
}

static void *
square(void *arg)
{
    long i = (long)arg;

    return (void *)(i * i);
}

static void
test_one_at_a_time(void)
{
    long sum = 0, expected = 0;

    for (long i = 0; i < THREADS; i++) {
        sum += (long)join_thread(start_thread(square, (void *)i));
        expected += i * i;
    }
    printf("%d threads one at a time: sum %ld (expected %ld)\n", THREADS, sum, expected);
}

int
main(void)
{
    test_all_at_once();
    test_one_at_a_time();
    return 0;
}
