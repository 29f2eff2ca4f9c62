// eventfd: counter and semaphore modes, the overflow rule, sizes and flags,
// poll's view, a blocked read ended by a signal, and a producer and a
// consumer thread passing counts through two eventfds (both block).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 200

static void
report(const char *what, long ret)
{
    printf("%s: %ld%s%s\n", what, ret, ret < 0 ? " " : "", ret < 0 ? strerror(errno) : "");
}

static void
put(int fd, uint64_t v, const char *what)
{
    report(what, write(fd, &v, sizeof(v)));
}

static void
take(int fd, const char *what)
{
    uint64_t v = 0;
    long ret = read(fd, &v, sizeof(v));

    printf("%s: %ld%s%s value %llu\n", what, ret, ret < 0 ? " " : "",
           ret < 0 ? strerror(errno) : "", (unsigned long long)v);
}

static void
show_poll(int fd, const char *what)
{
    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM };

    poll(&p, 1, 0);
    printf("%s: revents %#x\n", what, p.revents);
}

static void
test_counter(void)
{
    int fd = eventfd(5, EFD_NONBLOCK);
    char big[16] = { 0 };

    printf("-- counter\n");
    show_poll(fd, "count 5");
    put(fd, 2, "write 2");
    take(fd, "read");
    take(fd, "read empty");
    show_poll(fd, "count 0");
    put(fd, UINT64_MAX - 1, "write max");
    show_poll(fd, "count max");
    put(fd, 1, "write 1 more");
    put(fd, 0, "write 0 at max");
    take(fd, "read max");
    put(fd, UINT64_MAX, "write UINT64_MAX");
    report("write 7 bytes", write(fd, big, 7));
    report("read 7 bytes", read(fd, big, 7));
    put(fd, 9, "write 9");
    report("read 16 bytes", read(fd, big, 16));
    report("write 16 bytes", write(fd, big, 16));
    take(fd, "read");
    printf("flags nonblock: %s\n", fcntl(fd, F_GETFL) & O_NONBLOCK ? "yes" : "no");
    close(fd);
}

static void
test_semaphore(void)
{
    int fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);

    printf("-- semaphore\n");
    printf("cloexec: %d\n", fcntl(fd, F_GETFD));
    take(fd, "read");
    put(fd, 3, "write 3");
    for (int i = 0; i < 5; i++)
        take(fd, "read");
    close(fd);
}

static void
test_errors(void)
{
    printf("-- errors\n");
    report("eventfd2 bad flags", syscall(SYS_eventfd2, 0, 0x10));
    report("eventfd2 O_RDWR", syscall(SYS_eventfd2, 0, O_RDWR));
    report("eventfd", syscall(SYS_eventfd, 3) >= 0 ? 0 : -1);
}

static void
on_alarm(int sig __attribute__((unused)))
{
}

static void
test_interrupted(void)
{
    struct sigaction sa = { .sa_handler = on_alarm };
    int fd = eventfd(0, 0);
    uint64_t v;

    printf("-- interrupted\n");
    sigaction(SIGALRM, &sa, NULL);
    ualarm(20000, 0);
    report("blocked read, alarm without SA_RESTART", read(fd, &v, sizeof(v)));
    close(fd);
}

struct pair {
    int to_consumer, to_producer;
};

// Each round: wait for the consumer's go, then post the round's number.
static void *
producer(void *arg)
{
    struct pair *p = arg;
    uint64_t v;

    for (uint64_t i = 1; i <= ROUNDS; i++) {
        if (read(p->to_producer, &v, sizeof(v)) != sizeof(v) || v != 1)
            return "bad go";
        if (write(p->to_consumer, &i, sizeof(i)) != sizeof(i))
            return "write failed";
    }
    return NULL;
}

static void
test_threads(void)
{
    struct pair p = { eventfd(0, 0), eventfd(0, 0) };
    uint64_t sum = 0, v, one = 1;
    pthread_t t;
    void *err;

    printf("-- producer and consumer\n");
    pthread_create(&t, NULL, producer, &p);
    for (int i = 0; i < ROUNDS; i++) {
        write(p.to_producer, &one, sizeof(one));
        if (read(p.to_consumer, &v, sizeof(v)) != sizeof(v))
            break;
        sum += v;
    }
    pthread_join(t, &err);
    printf("sum %llu (expected %d), producer: %s\n", (unsigned long long)sum,
           ROUNDS * (ROUNDS + 1) / 2, err ? (char *)err : "ok");
    close(p.to_consumer), close(p.to_producer);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_counter();
    test_semaphore();
    test_errors();
    test_interrupted();
    test_threads();
    return 0;
}
