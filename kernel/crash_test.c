// Crashes on purpose, for the tests of the kernel's crash reports
// (tests/test_kernel_crash.py): the manifest's CRASH bits ask for one, which
// the host sets only from $PKGLOAD_TEST_CRASH (docs/boot-protocol.md).
// Each must end in a panic whose report names what happened.
#include "crash_test.h"
#include "layout.h"
#include "log.h"
#include "manifest.h"

#define UNMAPPED_KERNEL_ADDR 0xffffb00000000000ull   // PML4 slot 352: nothing is ever there
#define USER_ADDR            0x10ull                              // below USER_MIN: never mapped

// Deep enough to go through any kernel stack and its guard; not a tail call.
__after_boot static __attribute__((noinline)) uint64_t
recurse(uint64_t depth)
{
    volatile char frame[512];

    frame[0] = (char)depth;
    if (depth > (1ull << 20))
        return 0;
    return recurse(depth + 1) + frame[0];
}

__after_boot void
crash_test_run(uint32_t kind)
{
    klog("crash test %u: crashing on purpose ($PKGLOAD_TEST_CRASH)", kind);
    switch (kind) {
    case 1: (void)*(volatile uint64_t *)UNMAPPED_KERNEL_ADDR; break;
    case 2:
        (void)*(volatile uint64_t *)USER_ADDR;      // not through uaccess: a kernel bug
        break;
    case 3: recurse(0); break;
    }
    panic("crash test %u: did not crash", kind);
}
