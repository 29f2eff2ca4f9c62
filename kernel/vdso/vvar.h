// The vvar page: the clock parameters the kernel publishes and the vDSO
// reads, and the one conversion from a TSC reading to nanoseconds that both
// use (drivers/clock.c in the kernel, vdso.c in the program), so the
// syscalls and the vDSO agree to the nanosecond on the same TSC reading.
// Included by both builds: plain C, no kernel headers.
#pragma once
#include <stdint.h>
#include <linux/time.h>

#define VVAR_SHIFT        32               // ns = (tsc - boot_tsc) * mult >> VVAR_SHIFT
#define VVAR_NSEC_PER_SEC 1000000000ull
#define VVAR_COARSE_RES   4000000 // what the COARSE clocks report as resolution: one 250 Hz tick

// How the vDSO's getcpu learns the CPU number: TSC_AUX holds it on every
// CPU (arch/x86_64/cpu.c, cpu_set_tsc_aux), read by RDPID or RDTSCP.
enum { VVAR_GETCPU_SYSCALL, VVAR_GETCPU_RDTSCP, VVAR_GETCPU_RDPID };

// CLOCK_REALTIME = CLOCK_MONOTONIC + realtime_off. mult 0: the TSC is not
// calibrated yet and the vDSO asks the kernel (the syscall calibrates).
struct vvar {
    uint32_t seq; // odd while the kernel rewrites the fields below
    uint32_t getcpu; // VVAR_GETCPU_*; one word, outside the sequence
    uint64_t mult;
    uint64_t boot_tsc; // the TSC at kernel entry: CLOCK_MONOTONIC's zero
    int64_t realtime_off; // ns; changed by clock_settime and settimeofday
    int32_t tz_minuteswest; // settimeofday's timezone, gettimeofday's answer
    int32_t tz_dsttime;
};

// The page as the kernel allocates it: nothing else shares it, since the
// program can read all of it.
union vvar_page {
    struct vvar v;
    uint8_t bytes[4096];
};

// The clocks the vDSO answers, all from the TSC: every other id goes to the
// syscall. The COARSE ones are as fine as the others: monotonic and never
// behind a clock read before them, which is all Linux promises of them.
#define VVAR_CLOCKS                                                                                \
    ((1u << CLOCK_REALTIME) | (1u << CLOCK_MONOTONIC) | (1u << CLOCK_MONOTONIC_RAW) |              \
     (1u << CLOCK_REALTIME_COARSE) | (1u << CLOCK_MONOTONIC_COARSE) | (1u << CLOCK_BOOTTIME) |     \
     (1u << CLOCK_TAI))
// Those counted from the epoch: CLOCK_TAI is CLOCK_REALTIME, as on Linux
// until adjtimex sets a TAI offset (which we do not offer).
#define VVAR_REALTIME_CLOCKS                                                                       \
    ((1u << CLOCK_REALTIME) | (1u << CLOCK_REALTIME_COARSE) | (1u << CLOCK_TAI))

static inline int
vvar_clock_served(int clock)
{
    return (unsigned)clock < 32 && (VVAR_CLOCKS >> clock & 1);
}

static inline uint32_t
vvar_clock_res(int clock)
{
    return clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE ? VVAR_COARSE_RES : 1;
}

// LFENCE first, so the TSC is not read before the instructions ahead of it
// (a syscall's reading before the vDSO's stays before it).
static inline uint64_t
vvar_rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

// The conversion: one 64x64->128 multiply and a shift, no division.
static inline uint64_t
vvar_tsc_to_ns(uint64_t ticks, uint64_t mult)
{
    return (uint64_t)((unsigned __int128)ticks * mult >> VVAR_SHIFT);
}

// CLOCK (one vvar_clock_served accepts) now, in ns, into *NS; false when
// the kernel has not calibrated the TSC yet. The sequence count makes a
// change of the realtime offset all or nothing.
static inline int
vvar_clock_ns(const volatile struct vvar *v, int clock, uint64_t *ns)
{
    uint32_t seq;
    uint64_t mult, t;

    do {
        seq = v->seq;
        __asm__ volatile("" ::: "memory"); // x86 keeps loads in order; only the compiler might not
        mult = v->mult;
        t = vvar_tsc_to_ns(vvar_rdtsc() - v->boot_tsc, mult);
        if (VVAR_REALTIME_CLOCKS >> clock & 1)
            t += v->realtime_off;
        __asm__ volatile("" ::: "memory");
    } while ((seq & 1) || seq != v->seq);
    *ns = t;
    return mult != 0;
}
