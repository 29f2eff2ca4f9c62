// Anonymous memory by hand: mmap, mprotect, munmap, mremap (grow, move,
// shrink), MAP_FIXED over a live mapping, PROT_NONE then opened up, and
// brk grown and shrunk back through the raw system call.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096
static int failures;

static void
report(const char *what, int ok)
{
    printf("%-44s %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

static int
is_filled(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void
test_mmap_mprotect_munmap(void)
{
    unsigned char *p =
        mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mmap 64 KiB anonymous", p != MAP_FAILED && ((uintptr_t)p % PAGE) == 0);
    if (p == MAP_FAILED)
        return;
    report("fresh mapping is zero", is_filled(p, 16 * PAGE, 0));
    memset(p, 0xa5, 16 * PAGE);
    report("mprotect read-only", mprotect(p, 16 * PAGE, PROT_READ) == 0);
    report("still readable after mprotect", is_filled(p, 16 * PAGE, 0xa5));
    report("mprotect read-write again", mprotect(p, 16 * PAGE, PROT_READ | PROT_WRITE) == 0);
    p[0] = 1;
    report("munmap the middle 4 pages", munmap(p + 6 * PAGE, 4 * PAGE) == 0);
    unsigned char *q = mmap(p + 6 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    report("MAP_FIXED into the hole", q == p + 6 * PAGE && is_filled(q, 4 * PAGE, 0));
    report("neighbours kept their bytes",
           is_filled(p + PAGE, 5 * PAGE, 0xa5) && is_filled(p + 10 * PAGE, 6 * PAGE, 0xa5));
    q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    report("MAP_FIXED over live page zeroes it", q == p && is_filled(p, PAGE, 0));
    report("munmap all", munmap(p, 16 * PAGE) == 0);
    report("munmap of unaligned address fails", munmap(p + 1, PAGE) == -1);
}

static void
test_prot_none(void)
{
    unsigned char *p = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mmap PROT_NONE", p != MAP_FAILED);
    if (p == MAP_FAILED)
        return;
    report("mprotect part of it read-write",
           mprotect(p + 2 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE) == 0);
    memset(p + 2 * PAGE, 0x3c, 4 * PAGE);
    report("opened pages hold what was written", is_filled(p + 2 * PAGE, 4 * PAGE, 0x3c));
    report("munmap PROT_NONE region", munmap(p, 8 * PAGE) == 0);
}

static void
test_mremap(void)
{
    size_t small = 4 * PAGE, big = 256 * PAGE;
    unsigned char *p =
        mmap(NULL, small, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        report("mmap for mremap", 0);
        return;
    }
    memset(p, 0x5a, small);
    unsigned char *q = mremap(p, small, big, MREMAP_MAYMOVE);
    report("mremap grow 16 KiB -> 1 MiB (may move)", q != MAP_FAILED);
    if (q == MAP_FAILED)
        return;
    report("grown mapping keeps old bytes", is_filled(q, small, 0x5a));
    report("grown part is zero", is_filled(q + small, big - small, 0));
    memset(q + big - PAGE, 0x11, PAGE);
    unsigned char *r = mremap(q, big, 2 * PAGE, 0);
    report("mremap shrink in place", r == q && is_filled(r, 2 * PAGE, 0x5a));
    report("munmap after mremap", munmap(r, 2 * PAGE) == 0);
}

static void
test_brk(void)
{
    // No printing until brk is back where it was: stdio may use the heap.
    uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t grown = (uintptr_t)syscall(SYS_brk, start + 64 * 1024);
    int wrote = 0;
    if (grown == start + 64 * 1024) {
        memset((void *)start, 0x77, 64 * 1024);
        wrote = is_filled((unsigned char *)start, 64 * 1024, 0x77);
    }
    uintptr_t back = (uintptr_t)syscall(SYS_brk, start);
    report("brk(0) returns a break", start != 0);
    report("brk grows by 64 KiB", grown == start + 64 * 1024);
    report("grown brk memory is writable", wrote);
    report("brk shrinks back", back == start);
}

int
main(void)
{
    test_brk();
    test_mmap_mprotect_munmap();
    test_prot_none();
    test_mremap();
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
