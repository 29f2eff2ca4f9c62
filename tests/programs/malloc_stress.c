// malloc/calloc/realloc/free of sizes from 1 byte to 1 MiB (above the
// 128 KiB mmap threshold too), contents checked at every step; prints a
// checksum, so a heap that loses or mixes up bytes changes the output.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS  128
#define ROUNDS 2000

struct slot {
    unsigned char *p;
    size_t size;
    uint32_t tag;  // seeds the fill pattern
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

// xorshift64*: a fixed seed, so every run makes the same calls.
static uint32_t
rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static size_t
pick_size(void)
{
    uint32_t r = rng_next();
    switch (r % 16) {
    case 0: return 128 * 1024 + rng_next() % (512 * 1024);  // above the mmap threshold
    case 1:
    case 2: return 4096 + rng_next() % (60 * 1024);
    default: return 1 + rng_next() % 512;
    }
}

static unsigned char
pattern(uint32_t tag, size_t i)
{
    return (unsigned char)((tag * 31u) ^ (i * 7u) ^ (i >> 8));
}

static void
fill(struct slot *s, size_t from)
{
    for (size_t i = from; i < s->size; i++)
        s->p[i] = pattern(s->tag, i);
}

static void
check(const struct slot *s, size_t upto, const char *when)
{
    for (size_t i = 0; i < upto; i++) {
        if (s->p[i] != pattern(s->tag, i)) {
            printf("corrupt %s: tag %u size %zu offset %zu\n", when, s->tag, s->size, i);
            exit(3);
        }
    }
}

static uint64_t checksum;

static void
account(const struct slot *s)
{
    for (size_t i = 0; i < s->size; i += 61)
        checksum = checksum * 1099511628211ull + s->p[i];
    checksum += s->size;
}

// One step on one slot: allocate into an empty slot, else free or realloc it.
static void
step(struct slot *s, uint32_t round, unsigned counts[4])
{
    if (!s->p) {
        s->size = pick_size();
        s->tag = round;
        s->p = (round % 5 == 0) ? calloc(1, s->size) : malloc(s->size);
        if (!s->p) {
            printf("allocation of %zu failed\n", s->size);
            exit(4);
        }
        if (round % 5 == 0)
            for (size_t i = 0; i < s->size; i++)
                if (s->p[i] != 0) {
                    printf("calloc(%zu) not zeroed at %zu\n", s->size, i);
                    exit(5);
                }
        fill(s, 0);
        counts[0]++;
        return;
    }
    check(s, s->size, "before free/realloc");
    account(s);
    if (rng_next() % 3 == 0) {
        size_t old = s->size, keep;
        s->size = pick_size();
        s->p = realloc(s->p, s->size);
        if (!s->p) {
            printf("realloc to %zu failed\n", s->size);
            exit(4);
        }
        keep = old < s->size ? old : s->size;
        check(s, keep, "after realloc");
        fill(s, keep);
        counts[1]++;
        return;
    }
    free(s->p);
    s->p = NULL;
    counts[2]++;
}

int
main(void)
{
    static struct slot slots[SLOTS];
    unsigned counts[4] = { 0 };

    for (uint32_t round = 1; round <= ROUNDS; round++)
        step(&slots[rng_next() % SLOTS], round, counts);
    for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].p)
            continue;
        check(&slots[i], slots[i].size, "at the end");
        account(&slots[i]);
        free(slots[i].p);
        counts[3]++;
    }
    printf("allocs %u reallocs %u frees %u final frees %u\n", counts[0], counts[1], counts[2],
           counts[3]);
    printf("checksum %016llx\n", (unsigned long long)checksum);
    return 0;
}
