// Per-thread CPU clocks: a thread that spins sees its CLOCK_THREAD_CPUTIME_ID
// grow by 50 ms, and main reads the same growth through the clock id
// pthread_getcpuclockid gives for it; a thread asleep in sem_wait meanwhile
// gains next to nothing; the process's CPU clock covers the spinner's time.
// Wall-clock caps keep a clock that never moves from hanging the program.
#include "thread_check.h"

#include <semaphore.h>

#define SPIN_MS 50
#define FLAT_MS 15  // a sleeper may be charged a little for going to sleep

static sem_t sleeper_ready, wake_sleeper, spinner_ready, spin_go, spun, spinner_exit;

static long long
cpu_ms(clockid_t clock)
{
    return now_ns(clock) / 1000000;
}

static void
wait_sem(sem_t *s)
{
    while (sem_wait(s) != 0)
        ;
}

static void *
spin(void *arg)
{
    (void)arg;
    sem_post(&spinner_ready);
    wait_sem(&spin_go);
    long long start = cpu_ms(CLOCK_THREAD_CPUTIME_ID), wall0 = now_ns(CLOCK_MONOTONIC);
    volatile unsigned long x = 0;
    // One millisecond more than the checks ask: two readings truncated to the
    // millisecond can lose up to one between them.
    while (cpu_ms(CLOCK_THREAD_CPUTIME_ID) - start < SPIN_MS + 1 && ms_since(wall0) < LATE_MS)
        for (int i = 0; i < 10000; i++)
            x += i;
    long grew = cpu_ms(CLOCK_THREAD_CPUTIME_ID) - start >= SPIN_MS;
    sem_post(&spun);
    wait_sem(&spinner_exit);  // main reads our clock while we still exist
    return (void *)grew;
}

static void *
sleep_a_while(void *arg)
{
    (void)arg;
    sem_post(&sleeper_ready);
    wait_sem(&wake_sleeper);
    return NULL;
}

int
main(void)
{
    clockid_t spinner_clock, sleeper_clock, main_clock;

    sem_init(&sleeper_ready, 0, 0);
    sem_init(&wake_sleeper, 0, 0);
    sem_init(&spinner_ready, 0, 0);
    sem_init(&spin_go, 0, 0);
    sem_init(&spun, 0, 0);
    sem_init(&spinner_exit, 0, 0);
    pthread_t sleeper = start_thread(sleep_a_while, NULL);
    pthread_t spinner = start_thread(spin, NULL);
    wait_sem(&sleeper_ready);
    wait_sem(&spinner_ready);
    show_err("pthread_getcpuclockid(spinner)", pthread_getcpuclockid(spinner, &spinner_clock));
    show_err("pthread_getcpuclockid(sleeper)", pthread_getcpuclockid(sleeper, &sleeper_clock));
    show_err("pthread_getcpuclockid(main)", pthread_getcpuclockid(pthread_self(), &main_clock));
    long long spinner0 = cpu_ms(spinner_clock), sleeper0 = cpu_ms(sleeper_clock);
    long long process0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
    sem_post(&spin_go);
    wait_sem(&spun);  // main sleeps meanwhile
    long long spinner1 = cpu_ms(spinner_clock), sleeper1 = cpu_ms(sleeper_clock);
    long long process1 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
    sem_post(&spinner_exit);
    yes_no("spinner's own clock grew by 50 ms", join_thread(spinner) != NULL);
    yes_no("main saw the spinner's clock grow by 50 ms", spinner1 - spinner0 >= SPIN_MS);
    yes_no("sleeper's clock stayed nearly flat", sleeper1 - sleeper0 < FLAT_MS);
    yes_no("process clock grew by at least the spin", process1 - process0 >= SPIN_MS);
    yes_no("main's clock id reads like CLOCK_THREAD_CPUTIME_ID",
           cpu_ms(main_clock) <= cpu_ms(CLOCK_THREAD_CPUTIME_ID));
    sem_post(&wake_sleeper);
    join_thread(sleeper);
    return 0;
}
