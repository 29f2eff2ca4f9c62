// The vDSO: code the kernel maps into every program ([vdso]) so that glibc,
// musl and Go read the clocks and the CPU number without a syscall. It runs
// in user mode, reads the [vvar] page just below it (vvar.h), and does what
// Linux's vDSO does: a clock it serves is written straight to the caller's
// pointer (a bad one faults, as on Linux), anything else is the syscall.
// Built as its own shared object (Makefile, vdso.lds): no data, no
// relocations, nothing undefined (tools/check_vdso.py).
#include "vdso/vvar.h"
#include <linux/time_types.h>
#include <asm/unistd.h>

#define EXPORT __attribute__((visibility("default")))

// vdso.lds puts it at the page before the image's first byte.
extern const volatile struct vvar vdso_vvar __attribute__((visibility("hidden")));

static long
syscall2(long nr, long a, long b)
{
    long ret;

    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return ret;
}

static long
syscall3(long nr, long a, long b, long c)
{
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

// The time of a clock the vDSO serves: from the vvar page, or, before the
// kernel has calibrated the TSC, from the syscall (which calibrates it).
// In line: under TCG a call and its return cost more than the code.
static inline __attribute__((always_inline)) long
clock_ns(int clock, uint64_t *ns)
{
    struct __kernel_timespec ts;
    long ret;

    if (vvar_clock_ns(&vdso_vvar, clock, ns))
        return 0;
    if ((ret = syscall2(__NR_clock_gettime, clock, (long)&ts)) == 0)
        *ns = ts.tv_sec * VVAR_NSEC_PER_SEC + ts.tv_nsec;
    return ret;
}

EXPORT int
__vdso_clock_gettime(int clock, struct __kernel_timespec *ts)
{
    uint64_t ns;
    long ret;

    if (!vvar_clock_served(clock))
        return syscall2(__NR_clock_gettime, clock, (long)ts);
    if ((ret = clock_ns(clock, &ns)) < 0)
        return ret;
    ts->tv_sec = ns / VVAR_NSEC_PER_SEC;
    ts->tv_nsec = ns % VVAR_NSEC_PER_SEC;
    return 0;
}

EXPORT int
__vdso_gettimeofday(struct __kernel_old_timeval *tv, struct timezone *tz)
{
    uint64_t ns;
    long ret;

    if (tv) {
        if ((ret = clock_ns(CLOCK_REALTIME, &ns)) < 0)
            return ret;
        tv->tv_sec = ns / VVAR_NSEC_PER_SEC;
        tv->tv_usec = ns % VVAR_NSEC_PER_SEC / 1000;
    }
    if (tz) {
        tz->tz_minuteswest = vdso_vvar.tz_minuteswest;
        tz->tz_dsttime = vdso_vvar.tz_dsttime;
    }
    return 0;
}

EXPORT __kernel_old_time_t
__vdso_time(__kernel_old_time_t *t)
{
    uint64_t ns;
    __kernel_old_time_t now;
    long ret;

    if ((ret = clock_ns(CLOCK_REALTIME, &ns)) < 0)
        return ret;
    now = ns / VVAR_NSEC_PER_SEC;
    if (t)
        *t = now;
    return now;
}

EXPORT int
__vdso_clock_getres(int clock, struct __kernel_timespec *res)
{
    if (!vvar_clock_served(clock))
        return syscall2(__NR_clock_getres, clock, (long)res);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = vvar_clock_res(clock);
    }
    return 0;
}

// TSC_AUX holds the CPU number (node 0 above bit 12, as Linux encodes it).
EXPORT long
__vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    uint64_t aux;
    uint32_t lo, hi, ecx;

    switch (vdso_vvar.getcpu) {
    case VVAR_GETCPU_RDPID: __asm__ volatile("rdpid %0" : "=r"(aux)); break;
    case VVAR_GETCPU_RDTSCP:
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(ecx));
        aux = ecx;
        break;
    default: return syscall3(__NR_getcpu, (long)cpu, (long)node, (long)unused);
    }
    if (cpu)
        *cpu = aux & 0xfff;
    if (node)
        *node = aux >> 12 & 0xfffff;
    return 0;
}

// The names without the prefix, weak, as Linux's vDSO also exports them.
int clock_gettime(int, struct __kernel_timespec *)
    __attribute__((weak, alias("__vdso_clock_gettime"), visibility("default")));
int gettimeofday(struct __kernel_old_timeval *, struct timezone *)
    __attribute__((weak, alias("__vdso_gettimeofday"), visibility("default")));
__kernel_old_time_t time(__kernel_old_time_t *)
    __attribute__((weak, alias("__vdso_time"), visibility("default")));
int clock_getres(int, struct __kernel_timespec *)
    __attribute__((weak, alias("__vdso_clock_getres"), visibility("default")));
long getcpu(unsigned *, unsigned *, void *)
    __attribute__((weak, alias("__vdso_getcpu"), visibility("default")));
