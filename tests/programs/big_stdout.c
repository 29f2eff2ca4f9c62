// More than 1 MiB on stdout, mixing printf lines and fwrite blocks, in a
// fixed pattern; the last line counts the bytes so a lost chunk shows.
#include <stdio.h>
#include <string.h>

#define LINES 9000
#define BLOCK 4096

int
main(void)
{
    static char block[BLOCK];
    unsigned long long total = 0;

    for (int i = 0; i < LINES; i++) {
        int n = printf("line %05d: the quick brown fox jumps over the lazy dog %08x\n", i,
                       (unsigned)i * 2654435761u);
        if (n < 0)
            return 1;
        total += (unsigned)n;
        if (i % 50 == 49) {
            for (int j = 0; j < BLOCK - 1; j++)
                block[j] = (char)('!' + (i / 50 + j) % 94);
            block[BLOCK - 1] = '\n';
            if (fwrite(block, 1, BLOCK, stdout) != BLOCK)
                return 1;
            total += BLOCK;
        }
    }
    printf("total %llu bytes before this line\n", total);
    return 0;
}
