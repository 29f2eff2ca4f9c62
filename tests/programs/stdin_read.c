// Read all of stdin with read(2) in odd-sized chunks until end of file, then
// print its length, line count, a checksum and the first line, so any lost,
// added or reordered byte (0xff and NUL included) changes the output.
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
    static unsigned char buf[777];
    uint64_t hash = 14695981039346656037ull;  // FNV-1a
    unsigned long long total = 0, lines = 0;
    char first[64];
    size_t first_len = 0;
    int in_first = 1;
    ssize_t n;

    while ((n = read(0, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            hash = (hash ^ buf[i]) * 1099511628211ull;
            if (in_first && buf[i] != '\n' && first_len < sizeof(first) - 1)
                first[first_len++] = (char)buf[i];
            if (buf[i] == '\n') {
                lines++;
                in_first = 0;
            }
        }
        total += (unsigned long long)n;
    }
    first[first_len] = '\0';
    printf("read returned %zd at the end\n", n);
    printf("bytes %llu lines %llu fnv1a %016llx\n", total, lines, (unsigned long long)hash);
    printf("first line: \"%s\"\n", first);
    return n == 0 ? 0 : 1;
}
