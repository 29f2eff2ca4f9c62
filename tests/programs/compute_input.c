// Computes in integer and SSE registers while input trickles in on stdin, so
// the guest's input (and timer) interrupts arrive while the program runs in
// ring 3; the results, printed at the end, must not change. Between rounds
// it polls stdin for 1 ms and reads what came. tests/test_idle.py feeds it
// slowly; the differential test runs it with stdin at end of file.
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
    uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
    double x = 1.0, y = 0.5;
    long total = 0;
    ssize_t n;
    char buf[256];

    for (int round = 0; round < 40; round++) {
        for (long i = 0; i < 300000; i++) {
            a = a * 6364136223846793005ull + b;
            b ^= a >> 7;
            c += b * 3;
            d ^= c << 1;
            e += d >> 3;
            f ^= e * 5;
            g += f;
            h ^= g >> 11;
            x = x * 1.0000001 + y;
            y = y * 0.9999999 + 1e-9;
        }
        struct pollfd p = { 0, POLLIN, 0 };
        if (poll(&p, 1, 1) == 1 && (p.revents & POLLIN) && (n = read(0, buf, sizeof(buf))) > 0)
            total += n;
    }
    while ((n = read(0, buf, sizeof(buf))) > 0)
        total += n;
    printf("%lx %lx %lx %lx %lx %lx %lx %lx %.12f %.12f\nbytes read: %ld\n", (unsigned long)a,
           (unsigned long)b, (unsigned long)c, (unsigned long)d, (unsigned long)e, (unsigned long)f,
           (unsigned long)g, (unsigned long)h, x, y, total);
    return 0;
}
