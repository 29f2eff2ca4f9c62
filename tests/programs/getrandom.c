// getrandom(2) for 16, 256 and 1024 bytes, blocking and GRND_NONBLOCK.
// Prints only whether each call returned the full count and non-zero bytes,
// so the output is the same every run.
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static int
all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static int
try_size(size_t n, unsigned flags, const char *flag_name)
{
    static unsigned char buf[1024], prev[1024];
    memset(buf, 0, sizeof(buf));
    ssize_t got = getrandom(buf, n, flags);
    int zero = all_zero(buf, n);
    int same = n >= 16 && memcmp(buf, prev, n) == 0;  // two draws in a row must differ
    memcpy(prev, buf, n);
    printf("getrandom(%zu, %s): %s, %s, %s\n", n, flag_name,
           got == (ssize_t)n ? "full count" : "SHORT or failed", zero ? "ALL ZERO" : "not all zero",
           same ? "SAME as previous" : "fresh");
    return got == (ssize_t)n && !zero && !same;
}

int
main(void)
{
    static const size_t sizes[] = { 16, 256, 1024 };
    int ok = 1;

    for (size_t i = 0; i < 3; i++)
        ok &= try_size(sizes[i], 0, "0");
    for (size_t i = 0; i < 3; i++)
        ok &= try_size(sizes[i], GRND_NONBLOCK, "GRND_NONBLOCK");
    printf("%s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
