// Writes MiB mebibytes (argument, default 1) of pseudo-random bytes, every
// byte value among them, to stdout in 64 KiB writes: tests/test_streams.py
// hashes them against the native run's. A lost, repeated or reordered block
// changes the hash.
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

int
main(int argc, char **argv)
{
    static uint64_t buf[CHUNK / 8];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    long mib = argc > 1 ? atol(argv[1]) : 1;

    for (long i = 0; i < mib * (1024 * 1024 / CHUNK); i++) {
        for (int j = 0; j < CHUNK / 8; j++) {   // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[j] = x;
        }
        for (size_t done = 0; done < CHUNK;) {
            ssize_t n = write(1, (char *)buf + done, CHUNK - done);
            if (n <= 0)
                return 1;
            done += n;
        }
    }
    return 0;
}
