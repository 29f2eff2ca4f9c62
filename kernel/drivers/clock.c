// Time from the TSC. Its rate comes from counting TSC ticks while the PIT's
// channel 0 counts down 2 ms (the 8254 ticks at 1.193182 MHz); done once,
// lazily, so boot does not wait for it. Channel 0, not the usual channel 2:
// microvm has no port 0x61 to gate channel 2. Wall time is the host's time at
// boot plus monotonic time since, as the kernel has no RTC (microvm rtc=off),
// until clock_settime or settimeofday moves it.
//
// The result of the calibration is published in the vvar page, which the
// program also reads through the vDSO (exec/vdso.c maps it read-only): every
// clock here is vvar_clock_ns on that page, the same code the vDSO runs, so
// the syscalls and the vDSO agree to the nanosecond.
#include "drivers/clock.h"
#include "arch/x86_64/cpu.h"
#include "sched/spinlock.h"
#include "layout.h"

#define PIT_HZ    1193182u
#define PIT_CH0   0x40
#define PIT_CMD   0x43
#define CAL_TICKS 2386u        // 2 ms

// The program can read this page whole: it holds the vvar and nothing else.
union vvar_page clock_vvar __attribute__((aligned(PAGE_SIZE)));
static struct spinlock vvar_lock = SPINLOCK_INIT;   // the writers of clock_vvar, and the PIT
static uint64_t tsc_hz;                             // 0 until published
static uint64_t realtime_at_boot_ns;                // from the manifest, until published

static uint16_t
pit_read_ch0(void)
{
    uint8_t lo, hi;

    outb(PIT_CMD, 0x00);        // latch channel 0
    lo = inb(PIT_CH0);
    hi = inb(PIT_CH0);
    return (uint16_t)(hi << 8 | lo);
}

__after_boot static uint64_t
calibrate_with_pit(void)
{
    uint16_t start, now;
    uint64_t t0, t1;

    outb(PIT_CMD, 0x34);        // channel 0, lo/hi byte, mode 2 (rate generator)
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);        // reload 65535: about 55 ms per wrap
    start = pit_read_ch0();
    t0 = rdtsc();
    do {
        now = pit_read_ch0();
    } while ((uint16_t)(start - now) < CAL_TICKS);
    t1 = rdtsc();
    return (t1 - t0) * PIT_HZ / (uint16_t)(start - now);
}

// Readers of the vvar retry while seq is odd or changed under them
// (vvar_clock_ns). x86 keeps stores in order, so only the compiler needs
// telling. Caller holds vvar_lock.
static void
vvar_write_begin(void)
{
    clock_vvar.v.seq++;
    __asm__ volatile("" ::: "memory");
}

static void
vvar_write_end(void)
{
    __asm__ volatile("" ::: "memory");
    clock_vvar.v.seq++;
}

// Calibrate and fill the vvar: the first clock read of the run, by the
// kernel or by the vDSO, which asks the kernel while mult is 0.
__after_boot static void
clock_publish(void)
{
    uint64_t hz;

    spin_lock(&vvar_lock);
    if (!tsc_hz) {
        hz = calibrate_with_pit();
        if (!hz)
            hz = 1000000000;   // a PIT that never counted: assume 1 GHz rather than divide by 0
        vvar_write_begin();
        clock_vvar.v.boot_tsc = boot_tsc;
        clock_vvar.v.realtime_off = realtime_at_boot_ns;
        // NSEC_PER_SEC << 32 fits 64 bits: no 128-bit division (no libgcc here).
        clock_vvar.v.mult = (VVAR_NSEC_PER_SEC << VVAR_SHIFT) / hz;
        vvar_write_end();
        __atomic_store_n(&tsc_hz, hz, __ATOMIC_RELEASE);
    }
    spin_unlock(&vvar_lock);
}

static inline void
clock_ready(void)
{
    if (unlikely(!__atomic_load_n(&tsc_hz, __ATOMIC_ACQUIRE)))
        clock_publish();
}

uint64_t
clock_tsc_hz(void)
{
    clock_ready();
    return tsc_hz;
}

uint64_t
clock_tsc_to_ns(uint64_t ticks)
{
    clock_ready();
    return vvar_tsc_to_ns(ticks, clock_vvar.v.mult);
}

uint64_t
clock_read_ns(int clock)
{
    uint64_t ns;

    clock_ready();
    vvar_clock_ns(&clock_vvar.v, clock, &ns);
    return ns;
}

uint64_t
clock_monotonic_ns(void)
{
    return clock_read_ns(CLOCK_MONOTONIC);
}

uint64_t
clock_realtime_ns(void)
{
    return clock_read_ns(CLOCK_REALTIME);
}

void
clock_set_realtime(uint64_t epoch_ns)
{
    realtime_at_boot_ns = epoch_ns;
}

// CLOCK_REALTIME reads EPOCH_NS now, and on from there with CLOCK_MONOTONIC.
__after_boot void
clock_settime_realtime(uint64_t epoch_ns)
{
    uint64_t mono;

    clock_ready();
    spin_lock(&vvar_lock);
    mono = clock_monotonic_ns();   // before the write begins: it waits for an even seq
    vvar_write_begin();
    clock_vvar.v.realtime_off = epoch_ns - mono;
    vvar_write_end();
    spin_unlock(&vvar_lock);
}

__after_boot void
clock_set_timezone(int minuteswest, int dsttime)
{
    spin_lock(&vvar_lock);
    clock_vvar.v.tz_minuteswest = minuteswest;
    clock_vvar.v.tz_dsttime = dsttime;
    spin_unlock(&vvar_lock);
}

void
clock_get_timezone(int *minuteswest, int *dsttime)
{
    *minuteswest = clock_vvar.v.tz_minuteswest;
    *dsttime = clock_vvar.v.tz_dsttime;
}

// Wall time without forcing calibration: before the TSC is calibrated (only
// boot work has run) it is the host's time at boot, which is what the files
// made at boot should carry anyway.
uint64_t
clock_realtime_coarse_ns(void)
{
    return tsc_hz ? clock_realtime_ns() : realtime_at_boot_ns;
}

// Spin for NS nanoseconds (starting application processors).
__after_boot void
clock_delay_ns(uint64_t ns)
{
    uint64_t end = clock_monotonic_ns() + ns;

    while (clock_monotonic_ns() < end)
        cpu_relax();
}
