// Unnamed POSIX semaphores (sem_t): values, sem_trywait's EAGAIN,
// sem_timedwait's ETIMEDOUT no earlier than asked, a timed wait ended by
// another thread's sem_post, and 1000 items counted through a bounded buffer
// guarded by two semaphores.
#include "thread_check.h"

#include <semaphore.h>

#define ITEMS      1000
#define SLOTS      3
#define TIMEOUT_MS 50

static sem_t slots, items, gate;
static int buffer[SLOTS];

static void
show_value(const char *what, sem_t *s)
{
    int v = -1;

    sem_getvalue(s, &v);
    printf("%s: %d\n", what, v);
}

static void
test_values(void)
{
    sem_t s;

    show_ret("sem_init(2)", sem_init(&s, 0, 2));
    show_value("  value", &s);
    show_ret("  trywait", sem_trywait(&s));
    show_ret("  wait", sem_wait(&s));
    show_ret("  trywait at 0", sem_trywait(&s));
    show_ret("  post", sem_post(&s));
    show_ret("  post", sem_post(&s));
    show_value("  value", &s);
    show_ret("sem_destroy", sem_destroy(&s));
}

static void
test_timeout(void)
{
    sem_t s;
    struct timespec bad = { 0, 1000000000 };

    sem_init(&s, 0, 0);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, TIMEOUT_MS);
    show_ret("timedwait at 0", sem_timedwait(&s, &deadline));
    long long waited = ms_since(t0);
    yes_no("  waited at least the timeout", waited >= TIMEOUT_MS - 1);
    yes_no("  woke in time", waited < TIMEOUT_MS + LATE_MS);
    show_ret("timedwait, tv_nsec 1e9", sem_timedwait(&s, &bad));
    sem_post(&s);
    show_ret("timedwait at 1, tv_nsec 1e9", sem_timedwait(&s, &bad));
    sem_destroy(&s);
}

static void *
post_gate(void *arg)
{
    (void)arg;
    sem_post(&gate);
    return NULL;
}

static void
test_posted(void)
{
    sem_init(&gate, 0, 0);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec deadline = deadline_in_ms(CLOCK_REALTIME, LATE_MS);
    pthread_t t = start_thread(post_gate, NULL);
    show_ret("timedwait, another thread posts", sem_timedwait(&gate, &deadline));
    yes_no("  long before the deadline", ms_since(t0) < LATE_MS / 2);
    join_thread(t);
    sem_destroy(&gate);
}

static void *
produce(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&slots);
        buffer[i % SLOTS] = i;
        sem_post(&items);
    }
    return NULL;
}

static void
test_buffer(void)
{
    long sum = 0;

    sem_init(&slots, 0, SLOTS);
    sem_init(&items, 0, 0);
    pthread_t t = start_thread(produce, NULL);
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&items);
        sum += buffer[i % SLOTS] == i ? i : -1000000;
        sem_post(&slots);
    }
    join_thread(t);
    printf("bounded buffer sum: %ld (expected %d)\n", sum, ITEMS * (ITEMS + 1) / 2);
    show_value("  slots free", &slots);
    show_value("  items left", &items);
}

int
main(void)
{
    test_values();
    test_timeout();
    test_posted();
    test_buffer();
    return 0;
}
