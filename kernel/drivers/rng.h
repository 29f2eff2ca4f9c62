// The kernel's random numbers: the host's seed bytes first, then ChaCha20
// keyed from the seed, RDRAND and the TSC.
#pragma once
#include "types.h"

#define RNG_KEY_BYTES 32

// SEED (N bytes) is used in place, from the first rng_bytes call on; the
// bytes handed out as they are get zeroed.
void rng_seed(uint8_t *seed, size_t n);
void rng_bytes(void *buf, size_t n);
// A random 64-bit number (ASLR offsets).
uint64_t random_u64(void);
