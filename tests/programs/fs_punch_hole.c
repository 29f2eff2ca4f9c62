// fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): the range reads
// zeros, whole pages give their blocks back (st_blocks), partial pages are
// zeroed and keep theirs, the size stays, SEEK_HOLE finds the hole; a
// shared mapping sees the hole and can fill it again, a private mapping
// keeps the pages it copied and sees the hole elsewhere; beyond the end is
// no error; Linux's errors for the other mode mixes, a read-only descriptor
// and a bad range.
#include "fs_check.h"
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10     // musl's fcntl.h names only KEEP_SIZE and PUNCH_HOLE
#endif
#define DIR    "/tmp/pkgload-fs_punch_hole"
#define PG     4096
#define NPAGES 6

static long
blocks(int fd)
{
    struct stat st;

    fstat(fd, &st);
    return (long)st.st_blocks;
}

static long
size_of(int fd)
{
    struct stat st;

    fstat(fd, &st);
    return (long)st.st_size;
}

// Whether [from, to) of FD reads as C everywhere.
static bool
reads_as(int fd, long from, long to, char c)
{
    char buf[PG];

    for (long pos = from; pos < to;) {
        long n = to - pos < (long)sizeof(buf) ? to - pos : (long)sizeof(buf);
        if (pread(fd, buf, n, pos) != n)
            return false;
        for (long i = 0; i < n; i++)
            if (buf[i] != c)
                return false;
        pos += n;
    }
    return true;
}

static int
filled_file(const char *name)
{
    char page[PG];
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

    memset(page, 'x', sizeof(page));
    for (int i = 0; i < NPAGES; i++)
        if (write(fd, page, sizeof(page)) != sizeof(page))
            exit(1);
    fsync(fd);
    return fd;
}

static void
punch(const char *what, int fd, long off, long len)
{
    CHECK(what, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len));
}

static void
basics(void)
{
    int fd = filled_file("a");
    long before = blocks(fd);

    punch("punch pages 1-2", fd, PG, 2 * PG);
    printf("  blocks freed: %ld, size %ld\n", before - blocks(fd), size_of(fd));
    printf("  zeros there: %s, the rest intact: %s\n", reads_as(fd, PG, 3 * PG, 0) ? "yes" : "no",
           reads_as(fd, 0, PG, 'x') && reads_as(fd, 3 * PG, NPAGES * PG, 'x') ? "yes" : "no");
    printf("  SEEK_HOLE from 0: %ld, SEEK_DATA from the hole: %ld\n", (long)lseek(fd, 0, SEEK_HOLE),
           (long)lseek(fd, PG, SEEK_DATA));
    before = blocks(fd);
    punch("punch bytes 100-299", fd, 100, 200);
    printf("  blocks freed: %ld, zeros: %s, around intact: %s\n", before - blocks(fd),
           reads_as(fd, 100, 300, 0) ? "yes" : "no",
           reads_as(fd, 0, 100, 'x') && reads_as(fd, 300, PG, 'x') ? "yes" : "no");
    punch("punch across pages 3-4 unaligned", fd, 3 * PG + 1000, PG + 10);
    printf("  zeros: %s, edges intact: %s\n",
           reads_as(fd, 3 * PG + 1000, 4 * PG + 1010, 0) ? "yes" : "no",
           reads_as(fd, 3 * PG, 3 * PG + 1000, 'x') && reads_as(fd, 4 * PG + 1010, 5 * PG, 'x')
               ? "yes"
               : "no");
    punch("punch beyond the end", fd, 100 * PG, PG);
    printf("  size %ld\n", size_of(fd));
    close(fd);
}

static void
mappings(void)
{
    int fd = filled_file("b");
    char *shared = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *priv = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

    if (shared == MAP_FAILED || priv == MAP_FAILED)
        exit(1);
    priv[4 * PG] = 'P';                     // the private mapping's own copy of page 4
    printf("shared sees page 2: %c, private sees page 3: %c\n", shared[2 * PG], priv[3 * PG]);
    punch("punch pages 2-4", fd, 2 * PG, 3 * PG);
    printf("  shared page 2 now: %d, private page 3 now: %d, private's copy of page 4: %c%c\n",
           shared[2 * PG], priv[3 * PG], priv[4 * PG], priv[4 * PG + 1]);
    shared[2 * PG + 5] = 'S';   // (blocks: a read fault on a hole may take one, fs by fs)
    char c = 0;
    pread(fd, &c, 1, 2 * PG + 5);
    printf("  a write through the shared mapping fills the hole: %c\n", c);
    munmap(shared, NPAGES * PG);
    munmap(priv, NPAGES * PG);
    close(fd);
}

static void
errors(void)
{
    int fd = filled_file("c");
    int ro = open("c", O_RDONLY);

    CHECK("punch without KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PG));
    CHECK("punch with ZERO_RANGE",
          fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE, 0, PG));
    CHECK("punch, read-only fd", fallocate(ro, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PG));
    punch("punch, length 0", fd, 0, 0);
    punch("punch, negative offset", fd, -PG, PG);
    printf("  nothing punched: %s\n", reads_as(fd, 0, NPAGES * PG, 'x') ? "yes" : "no");
    close(ro);
    close(fd);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    enter_scratch(DIR);
    basics();
    mappings();
    errors();
    leave_scratch(DIR);
    return 0;
}
