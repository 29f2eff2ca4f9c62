// Condition variables: a producer and a consumer pass 2000 numbers through a
// four-slot queue (two condvars); pthread_cond_timedwait times out with
// ETIMEDOUT, no earlier than asked, on CLOCK_REALTIME (the default) and on
// CLOCK_MONOTONIC (pthread_condattr_setclock); a timed wait that is signalled
// returns 0 long before its deadline; a broadcast wakes every waiter.
#include "thread_check.h"

#define ITEMS      2000
#define SLOTS      4
#define WAITERS    5
#define TIMEOUT_MS 50

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[SLOTS], head, count;

static void *
produce(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &lock);
        queue[(head + count++) % SLOTS] = i;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *
consume(void *arg)
{
    long sum = 0;
    int in_order = 1, last = 0;

    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == 0)
            pthread_cond_wait(&not_empty, &lock);
        int v = queue[head];
        head = (head + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        in_order &= v == last + 1;
        last = v;
        sum += v;
    }
    return (void *)(in_order ? sum : -sum);
}

static void
test_queue(void)
{
    pthread_t c = start_thread(consume, NULL), p = start_thread(produce, NULL);

    join_thread(p);
    printf("consumer's sum: %ld (expected %d, negative if out of order)\n", (long)join_thread(c),
           ITEMS * (ITEMS + 1) / 2);
}

static void
timed_out(const char *clock_name, clockid_t clock, pthread_cond_t *cond)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    char what[96];

    pthread_mutex_lock(&m);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec deadline = deadline_in_ms(clock, TIMEOUT_MS);
    snprintf(what, sizeof(what), "timedwait on %s, nobody signals", clock_name);
    show_err(what, pthread_cond_timedwait(cond, &m, &deadline));
    long long waited = ms_since(t0);
    // A realtime deadline is met by the realtime clock; a monotonic measure
    // of it may differ by a slewed millisecond.
    yes_no("  waited at least the timeout", waited >= TIMEOUT_MS - 1);
    yes_no("  woke in time", waited < TIMEOUT_MS + LATE_MS);
    yes_no("  mutex held again", pthread_mutex_trylock(&m) == EBUSY);
    pthread_mutex_unlock(&m);
}

static void
test_timeouts(void)
{
    pthread_condattr_t attr;
    pthread_cond_t realtime = PTHREAD_COND_INITIALIZER, monotonic;
    clockid_t clock;

    timed_out("CLOCK_REALTIME", CLOCK_REALTIME, &realtime);
    pthread_condattr_init(&attr);
    show_err("condattr_setclock(CLOCK_MONOTONIC)",
             pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    pthread_condattr_getclock(&attr, &clock);
    yes_no("condattr_getclock gives CLOCK_MONOTONIC", clock == CLOCK_MONOTONIC);
    pthread_cond_init(&monotonic, &attr);
    timed_out("CLOCK_MONOTONIC", CLOCK_MONOTONIC, &monotonic);
    pthread_cond_destroy(&monotonic);
    pthread_condattr_destroy(&attr);
}

static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready, waiting, woken;

// Wait (up to 10 s) for `ready`; count ourselves in `waiting` first.
static void *
wait_ready(void *arg)
{
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, LATE_MS);
    int err = 0;

    (void)arg;
    pthread_mutex_lock(&lock);
    waiting++;
    pthread_cond_broadcast(&not_empty);  // tells main one more is waiting
    while (!ready && err == 0)
        err = pthread_cond_timedwait(&ready_cond, &lock, &deadline);
    woken += ready;
    pthread_mutex_unlock(&lock);
    return (void *)(long)err;
}

static void
test_signalled_and_broadcast(void)
{
    pthread_t t[WAITERS];
    int errors = 0;

    long long t0 = now_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < WAITERS; i++)
        t[i] = start_thread(wait_ready, NULL);
    pthread_mutex_lock(&lock);
    while (waiting < WAITERS)
        pthread_cond_wait(&not_empty, &lock);
    ready = 1;
    pthread_cond_broadcast(&ready_cond);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < WAITERS; i++)
        errors += join_thread(t[i]) != NULL;
    printf("broadcast: %d of %d timed waiters saw it, %d errors\n", woken, WAITERS, errors);
    yes_no("  long before their deadline", ms_since(t0) < LATE_MS / 2);
}

int
main(void)
{
    test_queue();
    test_timeouts();
    test_signalled_and_broadcast();
    return 0;
}
