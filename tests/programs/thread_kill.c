// pthread_kill: the signal runs its handler in the thread it was sent to
// (checked by thread id), also when sent to oneself (before pthread_kill
// returns); signal 0 only checks the thread exists; a bad signal number is
// EINVAL. A signal sent to a thread that blocks it is pending for that
// thread alone, and runs there once the thread unblocks it.
#include "thread_check.h"

#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile pid_t handled_by;
static volatile int handled_count;
static sem_t handled, ready, done;

static pid_t
my_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static void
on_signal(int sig)
{
    (void)sig;
    handled_by = my_tid();
    handled_count++;
    sem_post(&handled);  // async-signal-safe
}

static void
wait_sem(sem_t *s)
{
    while (sem_wait(s) != 0)  // a handler may interrupt it: EINTR (musl)
        ;
}

// Note our tid, say we are ready, and wait (in sem_wait) until main is done.
static void *
target(void *arg)
{
    *(pid_t *)arg = my_tid();
    sem_post(&ready);
    wait_sem(&done);
    return NULL;
}

// Block SIGUSR1, get it sent to us, see it pending (here, not in main), unblock.
static void *
blocking_target(void *arg)
{
    sigset_t set, pending;
    struct {
        pid_t tid;
        int pending_here;
    } *out = arg;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    out->tid = my_tid();
    sem_post(&ready);
    wait_sem(&done);  // main has sent SIGUSR1 and checked its own pending set
    sigpending(&pending);
    out->pending_here = sigismember(&pending, SIGUSR1) && handled_count == 0;
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);  // the handler runs here, now
    return NULL;
}

static void
test_other_thread(void)
{
    pid_t tid;

    pthread_t t = start_thread(target, &tid);
    wait_sem(&ready);
    show_err("pthread_kill(t, 0)", pthread_kill(t, 0));
    show_err("pthread_kill(t, SIGUSR1)", pthread_kill(t, SIGUSR1));
    wait_sem(&handled);
    yes_no("  handled by t", handled_by == tid);
    show_err("pthread_kill(t, 1000)", pthread_kill(t, 1000));
    sem_post(&done);
    join_thread(t);
}

static void
test_self(void)
{
    handled_by = 0;
    show_err("pthread_kill(self, SIGUSR2)", pthread_kill(pthread_self(), SIGUSR2));
    yes_no("  handled by main before pthread_kill returned", handled_by == getpid());
    wait_sem(&handled);
}

static void
test_blocked(void)
{
    struct {
        pid_t tid;
        int pending_here;
    } out = { 0, 0 };
    sigset_t pending;

    handled_count = 0;
    handled_by = 0;
    pthread_t t = start_thread(blocking_target, &out);
    wait_sem(&ready);
    show_err("pthread_kill(t blocking it, SIGUSR1)", pthread_kill(t, SIGUSR1));
    sigpending(&pending);
    yes_no("  not pending for main", !sigismember(&pending, SIGUSR1));
    sem_post(&done);
    join_thread(t);
    yes_no("  pending for t until it unblocked it", out.pending_here);
    printf("  handled %d time(s), by t: %s\n", handled_count, handled_by == out.tid ? "yes" : "no");
}

int
main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sem_init(&handled, 0, 0);
    sem_init(&ready, 0, 0);
    sem_init(&done, 0, 0);
    test_other_thread();
    test_self();
    test_blocked();
    return 0;
}
