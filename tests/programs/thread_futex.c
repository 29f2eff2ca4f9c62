// Raw futex(2) between threads: a ping-pong of 1000 round trips over one
// word with FUTEX_WAIT/FUTEX_WAKE, private and shared; FUTEX_WAIT on a word
// that changed is EAGAIN; a relative timeout is ETIMEDOUT no earlier than
// asked, an absolute FUTEX_WAIT_BITSET one too; FUTEX_WAKE with nobody
// waiting wakes 0, with one waiter 1, and a waiter whose bitset does not
// match FUTEX_WAKE_BITSET's is not woken.
#include "thread_check.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// <linux/futex.h> is not on musl-gcc's include path.
#define FUTEX_WAIT             0
#define FUTEX_WAKE             1
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_WAIT_PRIVATE     (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE     (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define ROUND_TRIPS 1000
#define TIMEOUT_MS  40

static long
futex(volatile uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, NULL, val3);
}

struct court {
    volatile uint32_t turn;  // whose turn: 0 or 1
    int private_flag;
};

// Wait for our turn, then hand it over and wake the other side.
static void
play(struct court *c, uint32_t me, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        while (__atomic_load_n(&c->turn, __ATOMIC_ACQUIRE) != me)
            futex(&c->turn, FUTEX_WAIT | c->private_flag, !me, NULL, 0);
        __atomic_store_n(&c->turn, !me, __ATOMIC_RELEASE);
        futex(&c->turn, FUTEX_WAKE | c->private_flag, 1, NULL, 0);
    }
}

static void *
player_one(void *arg)
{
    play(arg, 1, ROUND_TRIPS);
    return NULL;
}

static void
test_ping_pong(const char *kind, int private_flag)
{
    struct court c = { 0, private_flag };

    pthread_t t = start_thread(player_one, &c);
    play(&c, 0, ROUND_TRIPS);
    join_thread(t);
    printf("%s ping-pong: %d round trips, the ball ends with %u\n", kind, ROUND_TRIPS, c.turn);
}

static void
test_errors(void)
{
    volatile uint32_t word = 5;
    struct timespec rel = { 0, TIMEOUT_MS * 1000000L }, bad = { 0, -1 };

    show_ret("FUTEX_WAIT, value differs", futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL, 0));
    long long t0 = now_ns(CLOCK_MONOTONIC);
    show_ret("FUTEX_WAIT, 40 ms timeout", futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, 0));
    yes_no("  waited at least the timeout", ms_since(t0) >= TIMEOUT_MS);
    struct timespec abs = deadline_in_ms(CLOCK_MONOTONIC, TIMEOUT_MS);
    t0 = now_ns(CLOCK_MONOTONIC);
    show_ret("FUTEX_WAIT_BITSET, absolute monotonic deadline",
             futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 5, &abs, FUTEX_BITSET_MATCH_ANY));
    yes_no("  woke at or after the deadline",
           now_ns(CLOCK_MONOTONIC) >= abs.tv_sec * 1000000000LL + abs.tv_nsec);
    show_ret("FUTEX_WAIT, tv_nsec -1", futex(&word, FUTEX_WAIT_PRIVATE, 5, &bad, 0));
    show_ret("FUTEX_WAIT_BITSET, bitset 0",
             futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 5, NULL, 0));
    printf("FUTEX_WAKE, nobody waiting: %ld\n", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, 0));
    show_ret("futex, unknown op 99", futex(&word, 99, 0, NULL, 0));
}

static volatile uint32_t wake_word;

static void *
wait_bitset(void *arg)
{
    uint32_t bitset = (uint32_t)(uintptr_t)arg;

    return (void *)futex(&wake_word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, NULL, bitset);
}

static void *
wait_plain(void *arg)
{
    (void)arg;
    return (void *)futex(&wake_word, FUTEX_WAIT_PRIVATE, 0, NULL, 0);
}

// Keep waking until the waiter was there to be woken: the count is then 1,
// however the two threads were scheduled. Before each try, a wake whose
// bitset does not match the waiter's must wake nobody.
static void
test_wake_counts(void)
{
    long woken, mismatched = 0;

    pthread_t t = start_thread(wait_bitset, (void *)(uintptr_t)0x1);
    do {
        sched_yield();
        mismatched += futex(&wake_word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, 0x2);
        woken = futex(&wake_word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, 0x1);
    } while (woken == 0);
    printf("FUTEX_WAKE_BITSET 0x1, the waiter's bitset 0x1: woke %ld\n", woken);
    printf("  FUTEX_WAKE_BITSET 0x2 before it woke: %ld\n", mismatched);
    printf("  the waiter's FUTEX_WAIT_BITSET returned %ld\n", (long)join_thread(t));
    t = start_thread(wait_plain, NULL);
    while ((woken = futex(&wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, 0)) == 0)
        sched_yield();
    printf("FUTEX_WAKE, one waiter: woke %ld\n", woken);
    printf("  the waiter's FUTEX_WAIT returned %ld\n", (long)join_thread(t));
}

int
main(void)
{
    test_ping_pong("private", FUTEX_PRIVATE_FLAG);
    test_ping_pong("shared", 0);
    test_errors();
    test_wake_counts();
    return 0;
}
