// The kernel's random numbers: ChaCha20 keyed from the host's seed, RDRAND and the TSC.
#pragma once
#include "types.h"

void rng_seed(const uint8_t *seed, size_t n);
void rng_bytes(void *buf, size_t n);
