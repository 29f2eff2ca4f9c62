// Memory protection keys as Linux answers them on a CPU without PKU (the
// host's and the guest's): pkey_alloc fails ENOSPC, pkey_free EINVAL, and
// pkey_mprotect with key -1 is mprotect. Linux fails a process's first
// valid pkey_alloc with EINVAL instead (it keeps the key it could not set
// up): only that call's failure is printed, not its errno. Both check in Linux's order: a
// zero length succeeds before the protection bits or the key are looked at.
#include "fs_check.h"
#include <sys/mman.h>

#ifndef SYS_pkey_mprotect
#define SYS_pkey_mprotect 329
#define SYS_pkey_alloc    330
#define SYS_pkey_free     331
#endif
#ifndef PROT_SEM
#define PROT_SEM 0x8 // asm-generic/mman-common.h; glibc does not name it
#endif
#define PAGE 4096

static long
pkey_mprotect_raw(void *addr, size_t len, unsigned long prot, long pkey)
{
    return syscall(SYS_pkey_mprotect, addr, len, prot, pkey);
}

static void
test_alloc_free(void)
{
    printf("first pkey_alloc fails: %d\n", syscall(SYS_pkey_alloc, 0, 0) < 0);
    CHECK("pkey_alloc(0, 0)", syscall(SYS_pkey_alloc, 0, 0));
    CHECK("pkey_alloc(0, DISABLE_WRITE)", syscall(SYS_pkey_alloc, 0, 2));
    CHECK("pkey_alloc(1, 0) bad flags", syscall(SYS_pkey_alloc, 1, 0));
    CHECK("pkey_alloc(0, 4) bad rights", syscall(SYS_pkey_alloc, 0, 4));
    CHECK("pkey_free(0)", syscall(SYS_pkey_free, 0));
    CHECK("pkey_free(1)", syscall(SYS_pkey_free, 1));
    CHECK("pkey_free(-1)", syscall(SYS_pkey_free, -1));
}

static void
test_pkey_mprotect(unsigned char *p)
{
    CHECK("key -1 read-only", pkey_mprotect_raw(p, PAGE, PROT_READ, -1));
    printf("still readable: %d\n", p[0] == 0x5a);
    CHECK("key -1 read-write", pkey_mprotect_raw(p, PAGE, PROT_READ | PROT_WRITE, -1));
    p[0] = 0x33;
    printf("writable again: %d\n", p[0] == 0x33);
    CHECK("key 0", pkey_mprotect_raw(p, PAGE, PROT_READ, 0));
    CHECK("key 1", pkey_mprotect_raw(p, PAGE, PROT_READ, 1));
    CHECK("key 16", pkey_mprotect_raw(p, PAGE, PROT_READ, 16));
    CHECK("key -2", pkey_mprotect_raw(p, PAGE, PROT_READ, -2));
    CHECK("key 5, zero length", pkey_mprotect_raw(p, 0, PROT_READ, 5));
    CHECK("key 5, length wraps", pkey_mprotect_raw(p, -(size_t)PAGE, PROT_READ, 5));
    CHECK("key -1, unaligned", pkey_mprotect_raw(p + 1, PAGE, PROT_READ, -1));
    CHECK("key -1, bad prot", pkey_mprotect_raw(p, PAGE, 0x100, -1));
    CHECK("key -1, GROWSDOWN|GROWSUP",
          pkey_mprotect_raw(p, PAGE, PROT_GROWSDOWN | PROT_GROWSUP, -1));
    CHECK("key -1, hole", pkey_mprotect_raw(p, 2 * PAGE, PROT_READ, -1));
    CHECK("key 5, hole", pkey_mprotect_raw(p, 2 * PAGE, PROT_READ, 5));
}

static void
test_mprotect_order(unsigned char *p)
{
    CHECK("mprotect zero length, bad prot", mprotect(p, 0, 0x100));
    CHECK("mprotect unaligned, bad prot", mprotect(p + 1, PAGE, 0x100));
    CHECK("mprotect length wraps, bad prot", mprotect(p, -(size_t)PAGE, 0x100));
    CHECK("mprotect PROT_SEM", mprotect(p, PAGE, PROT_READ | PROT_WRITE | PROT_SEM));
}

int
main(void)
{
    unsigned char *p =
        mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED || munmap(p + PAGE, PAGE) < 0)
        return 1;
    p[0] = 0x5a;
    test_alloc_free();
    test_pkey_mprotect(p);
    test_mprotect_order(p);
    return 0;
}
