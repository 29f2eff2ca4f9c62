// The kernel's random numbers. The host's manifest seed is random bytes from
// its own CSPRNG, fresh every run: the first RNG_KEY_BYTES key a ChaCha20
// stream (RFC 8439 block function), mixed with RDRAND (when the CPU has it)
// and the TSC; the rest are handed out as they are, each byte once, before
// the stream is used. Boot's few requests (AT_RANDOM, stack, mmap, brk and
// PIE bases) so take no ChaCha rounds: under TCG those cost a twentieth of
// the boot. The stream's key is replaced after every request so earlier
// output cannot be recomputed from a later state.
#include "drivers/rng.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"

static uint32_t key[8];
static uint64_t counter;

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

// The eight quarter rounds of a double round: four columns, four diagonals.
// A loop over this table instead of eight unrolled quarter rounds: under TCG
// every distinct instruction costs about a microsecond to translate, and
// this runs at boot (stack and mmap randomisation, AT_RANDOM).
static const uint8_t quarter_rounds[8][4] = {
    { 0, 4, 8, 12 },  { 1, 5, 9, 13 },  { 2, 6, 10, 14 }, { 3, 7, 11, 15 },
    { 0, 5, 10, 15 }, { 1, 6, 11, 12 }, { 2, 7, 8, 13 },  { 3, 4, 9, 14 },
};

static void
quarter_round(uint32_t *x, const uint8_t *i)
{
    uint32_t a = x[i[0]], b = x[i[1]], c = x[i[2]], d = x[i[3]];

    a += b;
    d ^= a;
    d = ROTL(d, 16);
    c += d;
    b ^= c;
    b = ROTL(b, 12);
    a += b;
    d ^= a;
    d = ROTL(d, 8);
    c += d;
    b ^= c;
    b = ROTL(b, 7);
    x[i[0]] = a, x[i[1]] = b, x[i[2]] = c, x[i[3]] = d;
}

static void
chacha20_block(uint32_t out[16])
{
    uint32_t s[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
    uint32_t x[16];

    memcpy(&s[4], key, sizeof(key));
    s[12] = (uint32_t)counter;
    s[13] = (uint32_t)(counter >> 32);
    counter++;
    memcpy(x, s, sizeof(x));
    for (int i = 0; i < 10 * 8; i++)
        quarter_round(x, quarter_rounds[i % 8]);
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + s[i];
}

static bool
rdrand64(uint64_t *v)
{
    bool ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

static const uint8_t *seed_key;   // RNG_KEY_BYTES, until the stream is keyed
static uint8_t *pool;       // the seed's bytes after the key, not yet handed out
static size_t pool_left;
static bool keyed;

void
rng_seed(uint8_t *seed, size_t n)
{
    if (n >= RNG_KEY_BYTES) {
        seed_key = seed;
        pool = seed + RNG_KEY_BYTES;
        pool_left = n - RNG_KEY_BYTES;
    }
}

static void
key_stream(void)
{
    uint8_t *k = (uint8_t *)key;
    uint64_t r;

    for (size_t i = 0; seed_key && i < RNG_KEY_BYTES; i++)
        k[i] ^= seed_key[i];
    for (int i = 0; i < 4; i++) {
        r = rdtsc();
        if (cpu_features.rdrand && rdrand64(&r))
            r ^= rdtsc();
        key[2 * i] ^= (uint32_t)r;
        key[2 * i + 1] ^= (uint32_t)(r >> 32);
    }
    keyed = true;
}

void
rng_bytes(void *buf, size_t n)
{
    uint32_t block[16];
    uint8_t *p = buf;

    if (n <= pool_left) {
        memcpy(buf, pool, n);
        memset(pool, 0, n);             // handed out once
        pool += n;
        pool_left -= n;
        return;
    }
    if (!keyed)
        key_stream();
    while (n) {
        size_t chunk = n < sizeof(block) ? n : sizeof(block);
        chacha20_block(block);
        memcpy(p, block, chunk);
        p += chunk;
        n -= chunk;
    }
    chacha20_block(block);        // fast key erasure
    memcpy(key, block, sizeof(key));
    memset(block, 0, sizeof(block));
}

uint64_t
random_u64(void)
{
    uint64_t v;

    rng_bytes(&v, sizeof(v));
    return v;
}
