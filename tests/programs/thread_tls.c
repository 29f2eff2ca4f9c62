// Thread-local storage with threads: every thread starts with the initial
// values of the __thread variables (.tdata) and zeroes (.tbss), whatever
// others wrote to theirs; each has its own copy (distinct addresses). And
// pthread keys: a new thread's value is NULL, and at its exit each
// destructor runs once per non-NULL value, in that thread, with that value;
// a destructor that sets a value again is run again (up to
// PTHREAD_DESTRUCTOR_ITERATIONS rounds).
#include "thread_check.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4

__thread int counter = 42;
__thread char name[16] = "tls-initial";
__thread unsigned zeroed[64];
__thread _Alignas(64) unsigned char aligned_block[64] = { 7 };

static pthread_barrier_t all_written;
static uintptr_t addresses[THREADS + 1];

static pthread_key_t key_a, key_b, key_again;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static long destructed_a[THREADS], destructed_b[THREADS], again_runs[THREADS];
static int wrong_thread;

struct value {
    long thread;
    pid_t tid;
};

static int
tls_pristine(void)
{
    int ok = counter == 42 && strcmp(name, "tls-initial") == 0 && aligned_block[0] == 7;

    for (int i = 0; i < 64; i++)
        ok &= zeroed[i] == 0;
    return ok && ((uintptr_t)aligned_block & 63) == 0;
}

static void
note_destructor(long *log, struct value *v)
{
    pthread_mutex_lock(&log_lock);
    log[v->thread]++;
    wrong_thread += v->tid != (pid_t)syscall(SYS_gettid);
    pthread_mutex_unlock(&log_lock);
}

static void
destroy_a(void *p)
{
    note_destructor(destructed_a, p);
    free(p);
}

static void
destroy_b(void *p)
{
    note_destructor(destructed_b, p);
    free(p);
}

// Set itself again twice: three runs in all.
static void
destroy_again(void *p)
{
    struct value *v = p;

    note_destructor(again_runs, v);
    if (again_runs[v->thread] < 3)
        pthread_setspecific(key_again, v);
    else
        free(v);
}

static struct value *
new_value(long thread)
{
    struct value *v = malloc(sizeof(*v));

    v->thread = thread;
    v->tid = (pid_t)syscall(SYS_gettid);
    return v;
}

static void *
worker(void *arg)
{
    long me = (long)arg;
    int pristine = tls_pristine();
    int keys_null = !pthread_getspecific(key_a) && !pthread_getspecific(key_b);

    counter = (int)me * 100;
    snprintf(name, sizeof(name), "thread-%ld", me);
    zeroed[me] = (unsigned)me + 1;
    addresses[me + 1] = (uintptr_t)&counter;
    pthread_barrier_wait(&all_written);  // everyone has written their copies
    int kept = counter == me * 100 && zeroed[me] == (unsigned)me + 1;
    pthread_setspecific(key_a, new_value(me));
    if (me % 2 == 0)  // odd threads leave key_b NULL: no destructor call for them
        pthread_setspecific(key_b, new_value(me));
    pthread_setspecific(key_again, new_value(me));
    return (void *)(long)(pristine + 2 * keys_null + 4 * kept);
}

int
main(void)
{
    pthread_t t[THREADS];
    int distinct = 1;

    counter = -1;
    strcpy(name, "main-changed");
    zeroed[0] = 99;
    addresses[0] = (uintptr_t)&counter;
    pthread_barrier_init(&all_written, NULL, THREADS);
    pthread_key_create(&key_a, destroy_a);
    pthread_key_create(&key_b, destroy_b);
    pthread_key_create(&key_again, destroy_again);
    for (long i = 0; i < THREADS; i++)
        t[i] = start_thread(worker, (void *)i);
    for (int i = 0; i < THREADS; i++) {
        long r = (long)join_thread(t[i]);
        printf("thread %d: started with pristine TLS: %s, keys NULL: %s, kept its own: %s\n", i,
               r & 1 ? "yes" : "no", r & 2 ? "yes" : "no", r & 4 ? "yes" : "no");
        printf("  destructor runs: a=%ld b=%ld again=%ld\n", destructed_a[i], destructed_b[i],
               again_runs[i]);
    }
    for (int i = 0; i <= THREADS; i++)
        for (int j = 0; j < i; j++)
            distinct &= addresses[i] != addresses[j];
    yes_no("each thread's counter at its own address", distinct);
    yes_no("destructors ran in the exiting thread", wrong_thread == 0);
    yes_no("main's copies untouched",
           counter == -1 && strcmp(name, "main-changed") == 0 && zeroed[0] == 99 && zeroed[1] == 0);
    show_err("key_delete", pthread_key_delete(key_a));
    return 0;
}
