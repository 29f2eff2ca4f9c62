// signalfd: blocked signals read as struct signalfd_siginfo (kill,
// sigqueue with its value, tgkill at one thread, real-time signals in
// order), poll and epoll on it, a read that waits for a signal another
// thread sends, a new mask, the errors; and epoll_pwait under a mask that
// lets a signal in (EINTR, the handler ran, the old mask back).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

static void
report(const char *what, long ret)
{
    printf("%s: %ld%s%s\n", what, ret, ret < 0 ? " " : "", ret < 0 ? strerror(errno) : "");
}

// Read what fits in N records and print each; pids as "ours" or not.
static void
take(int fd, int n, const char *what)
{
    struct signalfd_siginfo s[4];
    long ret = read(fd, s, n * sizeof(s[0]));

    report(what, ret);
    for (long i = 0; ret > 0 && i < ret / (long)sizeof(s[0]); i++)
        printf("  signo %u code %d pid %s uid %s int %d ptr %#llx\n", s[i].ssi_signo, s[i].ssi_code,
               s[i].ssi_pid == (uint32_t)getpid() ? "ours" : "other",
               s[i].ssi_uid == getuid() ? "ours" : "other", s[i].ssi_int,
               (unsigned long long)s[i].ssi_ptr);
}

static sigset_t
set_of(int a, int b)
{
    sigset_t s;

    sigemptyset(&s);
    if (a)
        sigaddset(&s, a);
    if (b)
        sigaddset(&s, b);
    return s;
}

static void
test_basic(void)
{
    sigset_t mask = set_of(SIGUSR1, SIGRTMIN + 1);
    int fd;
    union sigval v = { .sival_int = 42 };
    struct pollfd p;

    printf("-- basic\n");
    sigprocmask(SIG_BLOCK, &mask, NULL);
    fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("cloexec: %d\n", fcntl(fd, F_GETFD));
    take(fd, 1, "read, none pending");
    p = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
    report("poll, none pending", poll(&p, 1, 0));
    kill(getpid(), SIGUSR1);
    report("poll, SIGUSR1 pending", poll(&p, 1, 0));
    printf("  revents %#x\n", p.revents);
    take(fd, 1, "read SIGUSR1 from kill");
    sigqueue(getpid(), SIGRTMIN + 1, v);
    v.sival_int = 43;
    sigqueue(getpid(), SIGRTMIN + 1, v);
    kill(getpid(), SIGUSR1);
    take(fd, 4, "read all three");
    take(fd, 1, "read, none left");
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    close(fd);
}

static void
test_mask_change(void)
{
    sigset_t one = set_of(SIGUSR1, 0), two = set_of(SIGUSR2, 0), both = set_of(SIGUSR1, SIGUSR2);
    int fd = signalfd(-1, &one, SFD_NONBLOCK);

    printf("-- new mask\n");
    sigprocmask(SIG_BLOCK, &both, NULL);
    kill(getpid(), SIGUSR2);
    take(fd, 1, "SIGUSR2 pending, mask SIGUSR1");
    report("signalfd with a new mask", signalfd(fd, &two, 0) == fd);
    take(fd, 1, "mask SIGUSR2");
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    close(fd);
}

struct waiter_args {
    int sfd;            // the signalfd the helper reads
    pthread_t main;
};

static void *
tkill_target(void *arg)
{
    struct waiter_args *w = arg;
    struct signalfd_siginfo s;
    long ret = read(w->sfd, &s, sizeof(s));     // blocks until main tgkills us

    printf("helper read: %ld signo %u code %d\n", ret, s.ssi_signo, s.ssi_code);
    return NULL;
}

static void *
sender(void *arg)
{
    usleep(20000);
    kill(getpid(), SIGUSR1);
    return arg;
}

static void
test_threads(void)
{
    sigset_t mask = set_of(SIGUSR1, SIGUSR2);
    struct waiter_args w;
    pthread_t t;
    int fd, ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5f }, out;

    printf("-- threads\n");
    sigprocmask(SIG_BLOCK, &mask, NULL);        // the helpers inherit it
    fd = signalfd(-1, &mask, 0);
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    pthread_create(&t, NULL, sender, NULL);
    report("epoll_wait for a signal another thread sends", epoll_wait(ep, &out, 1, 5000));
    printf("  data %#llx events %#x\n", (unsigned long long)out.data.u64, out.events);
    take(fd, 1, "read it");
    pthread_join(t, NULL);
    pthread_create(&t, NULL, sender, NULL);
    take(fd, 1, "blocking read, another thread sends");
    pthread_join(t, NULL);

    w.sfd = fd;
    pthread_create(&t, NULL, tkill_target, &w);
    usleep(20000);
    pthread_kill(t, SIGUSR2);
    pthread_join(t, NULL);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    take(fd, 1, "main reads after, nothing for it");
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    close(fd), close(ep);
}

static volatile int handled;

static void
on_signal(int sig)
{
    handled = sig;
}

static void
test_epoll_pwait(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigset_t blocked = set_of(SIGUSR1, SIGALRM), during = set_of(0, 0), now;
    int p[2], ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN }, out;

    printf("-- epoll_pwait with a mask\n");
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    pipe(p);
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    kill(getpid(), SIGUSR1);
    report("epoll_pwait, SIGUSR1 pending and let in", epoll_pwait(ep, &out, 1, 1000, &during));
    printf("  handled %d\n", handled);
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("  SIGUSR1 blocked again: %s\n", sigismember(&now, SIGUSR1) ? "yes" : "no");
    handled = 0;
    ualarm(20000, 0);
    report("epoll_pwait, SIGALRM comes during the wait", epoll_pwait(ep, &out, 1, 5000, &during));
    printf("  handled %d\n", handled);
    handled = 0;
    ualarm(20000, 0);
    report("epoll_pwait, SIGALRM blocked by its mask", epoll_pwait(ep, &out, 1, 60, &blocked));
    printf("  handled %d\n", handled);
    sigprocmask(SIG_UNBLOCK, &blocked, NULL);
    printf("  handled after unblocking %d\n", handled);
    close(p[0]), close(p[1]), close(ep);
}

static void
test_errors(void)
{
    sigset_t mask = set_of(SIGUSR1, 0);
    int p[2], fd = signalfd(-1, &mask, 0);
    char buf[200];

    printf("-- errors\n");
    pipe(p);
    report("bad sizemask", syscall(SYS_signalfd4, -1, &mask, 4, 0));
    report("bad mask pointer", syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
    report("bad flags", syscall(SYS_signalfd4, -1, &mask, 8, 1));
    report("bad fd", syscall(SYS_signalfd4, 99, &mask, 8, 0));
    report("not a signalfd", syscall(SYS_signalfd4, p[0], &mask, 8, 0));
    report("signalfd with no flags", syscall(SYS_signalfd, -1, &mask, 8) >= 0 ? 0 : -1);
    report("read 127 bytes", read(fd, buf, 127));
    report("write", write(fd, buf, 128));
    close(fd), close(p[0]), close(p[1]);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_basic();
    test_mask_change();
    test_threads();
    test_epoll_pwait();
    test_errors();
    return 0;
}
