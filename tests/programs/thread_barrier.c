// pthread barriers: five threads meet 100 times; in each round exactly one
// of them is told PTHREAD_BARRIER_SERIAL_THREAD, and nobody leaves a round
// before everyone has written their part of it.
#include "thread_check.h"

#define THREADS 5
#define ROUNDS  100

static pthread_barrier_t barrier;
static int part[ROUNDS][THREADS];
static int serials[ROUNDS];
static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;

// Each round: write our part, meet, check every part is there, meet again
// (so nobody writes the next round's part while another still checks).
static void *
run_rounds(void *arg)
{
    long me = (long)arg, incomplete = 0;

    for (int r = 0; r < ROUNDS; r++) {
        part[r][me] = r + 1;
        int ret = pthread_barrier_wait(&barrier);
        if (ret == PTHREAD_BARRIER_SERIAL_THREAD) {
            pthread_mutex_lock(&serial_lock);
            serials[r]++;
            pthread_mutex_unlock(&serial_lock);
        } else if (ret != 0) {
            return (void *)-1L;
        }
        for (int i = 0; i < THREADS; i++)
            incomplete += part[r][i] != r + 1;
        pthread_barrier_wait(&barrier);
    }
    return (void *)incomplete;
}

int
main(void)
{
    pthread_t t[THREADS - 1];
    long incomplete;
    int one_serial = 0;

    show_err("barrier_init(0)", pthread_barrier_init(&barrier, NULL, 0));
    show_err("barrier_init(5)", pthread_barrier_init(&barrier, NULL, THREADS));
    for (long i = 1; i < THREADS; i++)
        t[i - 1] = start_thread(run_rounds, (void *)i);
    incomplete = (long)run_rounds((void *)0);
    for (int i = 0; i < THREADS - 1; i++)
        incomplete += (long)join_thread(t[i]);
    for (int r = 0; r < ROUNDS; r++)
        one_serial += serials[r] == 1;
    printf("rounds with exactly one serial thread: %d of %d\n", one_serial, ROUNDS);
    printf("incomplete rounds seen: %ld\n", incomplete);
    show_err("barrier_destroy", pthread_barrier_destroy(&barrier));
    return 0;
}
