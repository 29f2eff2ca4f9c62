// POSIX timers: SIGEV_SIGNAL (one-shot, absolute, periodic with overruns),
// SIGEV_NONE (counts down, sends nothing) and SIGEV_THREAD_ID (the signal
// runs its handler in the thread named, not in main, though neither blocks
// it); timer_gettime while armed and after expiry; timer_getoverrun;
// timer_delete, and the EINVAL of a deleted timer or a tid outside the
// process.
#include "thread_check.h"
#include <stdbool.h>

#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id  // musl names the field, glibc 2.36 does not
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define SHORT_MS 20

static struct itimerspec
once_in_ms(long ms)
{
    return (struct itimerspec){ .it_value = { ms / 1000, ms % 1000 * 1000000L } };
}

static long long
ts_ms(struct timespec t)
{
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static timer_t
new_timer(clockid_t clock, int notify, int signo, int value)
{
    struct sigevent sev;
    timer_t id;

    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = notify;
    sev.sigev_signo = signo;
    sev.sigev_value.sival_int = value;
    if (timer_create(clock, &sev, &id) < 0) {
        printf("timer_create: %s\n", err_name(errno));
        exit(1);
    }
    return id;
}

static void
test_one_shot(const sigset_t *blocked)
{
    struct itimerspec set = once_in_ms(SHORT_MS), cur;
    siginfo_t si;

    timer_t id = new_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 7);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    show_ret("SIGEV_SIGNAL one-shot: timer_settime", timer_settime(id, 0, &set, NULL));
    timer_gettime(id, &cur);
    // Zero is right too once SHORT_MS have gone by (a busy host can hold us that long).
    bool left = cur.it_value.tv_sec || cur.it_value.tv_nsec;
    yes_no("  armed: 0 < remaining <= 20 ms",
           left ? ts_ms(cur.it_value) <= SHORT_MS : ms_since(t0) >= SHORT_MS);
    int sig = sigwaitinfo(blocked, &si);
    yes_no("  SIGRTMIN with SI_TIMER and the value",
           sig == SIGRTMIN && si.si_code == SI_TIMER && si.si_value.sival_int == 7);
    yes_no("  no earlier than asked", ms_since(t0) >= SHORT_MS);
    timer_gettime(id, &cur);
    yes_no("  after expiry: disarmed", !cur.it_value.tv_sec && !cur.it_value.tv_nsec);
    show_ret("  timer_delete", timer_delete(id));
    show_ret("  timer_settime on the deleted timer", timer_settime(id, 0, &set, NULL));
}

static void
test_absolute(const sigset_t *blocked)
{
    struct itimerspec set = { .it_value = deadline_in_ms(CLOCK_REALTIME, SHORT_MS) };
    siginfo_t si;

    timer_t id = new_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGRTMIN, 8);
    show_ret("CLOCK_REALTIME, TIMER_ABSTIME: timer_settime",
             timer_settime(id, TIMER_ABSTIME, &set, NULL));
    int sig = sigwaitinfo(blocked, &si);
    yes_no("  fired with its value", sig == SIGRTMIN && si.si_value.sival_int == 8);
    yes_no("  at or after the deadline", now_ns(CLOCK_REALTIME) / 1000000 >= ts_ms(set.it_value));
    timer_delete(id);
}

// Five-millisecond periods while the signal stays blocked for 60 ms: one
// signal is queued, the other expiries count as its overruns.
static void
test_periodic(const sigset_t *blocked)
{
    struct itimerspec set = { { 0, 5000000 }, { 0, 5000000 } }, cur;
    struct timespec pause = { 0, 60000000 };
    siginfo_t si;

    timer_t id = new_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 1, 9);
    timer_settime(id, 0, &set, NULL);
    timer_gettime(id, &cur);
    yes_no("periodic: interval read back", cur.it_interval.tv_nsec == 5000000);
    nanosleep(&pause, NULL);
    int sig = sigwaitinfo(blocked, &si);
    yes_no("  one signal, overruns in si_overrun", sig == SIGRTMIN + 1 && si.si_overrun >= 1);
    yes_no("  timer_getoverrun agrees", timer_getoverrun(id) == si.si_overrun);
    show_ret("  timer_delete", timer_delete(id));
}

static void
test_none(void)
{
    struct itimerspec set = once_in_ms(1000), cur;

    timer_t id = new_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
    timer_settime(id, 0, &set, NULL);
    timer_gettime(id, &cur);
    yes_no("SIGEV_NONE: counts down from 1 s",
           ts_ms(cur.it_value) > 0 && ts_ms(cur.it_value) <= 1000);
    timer_delete(id);
}

static sem_t ready, handled, done;
static volatile pid_t handled_by;

static void
on_signal(int sig)
{
    (void)sig;
    handled_by = (pid_t)syscall(SYS_gettid);
    sem_post(&handled);
}

static void
wait_sem(sem_t *s)
{
    while (sem_wait(s) != 0)
        ;
}

static void *
target(void *arg)
{
    *(pid_t *)arg = (pid_t)syscall(SYS_gettid);
    sem_post(&ready);
    wait_sem(&done);
    return NULL;
}

static void
test_thread_id(void)
{
    struct sigaction sa;
    struct sigevent sev;
    timer_t id;
    pid_t tid;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGRTMIN + 2, &sa, NULL);
    pthread_t t = start_thread(target, &tid);
    wait_sem(&ready);
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGRTMIN + 2;
    sev.sigev_notify_thread_id = tid;
    show_ret("SIGEV_THREAD_ID: timer_create", timer_create(CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec set = once_in_ms(SHORT_MS);
    timer_settime(id, 0, &set, NULL);
    wait_sem(&handled);
    yes_no("  handled in the thread named", handled_by == tid);
    timer_delete(id);
    sem_post(&done);
    join_thread(t);
    sev.sigev_notify_thread_id = getppid();  // our parent: never one of our threads
    show_ret("SIGEV_THREAD_ID, a tid outside the process",
             timer_create(CLOCK_MONOTONIC, &sev, &id));
}

int
main(void)
{
    sigset_t blocked;

    sem_init(&ready, 0, 0);
    sem_init(&handled, 0, 0);
    sem_init(&done, 0, 0);
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGRTMIN);
    sigaddset(&blocked, SIGRTMIN + 1);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    test_one_shot(&blocked);
    test_absolute(&blocked);
    test_periodic(&blocked);
    test_none();
    test_thread_id();
    return 0;
}
