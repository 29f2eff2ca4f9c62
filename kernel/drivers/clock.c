// Time from the TSC. Its rate comes from counting TSC ticks while the PIT's
// channel 0 counts down 2 ms (the 8254 ticks at 1.193182 MHz); done once,
// lazily, so boot does not wait for it. Channel 0, not the usual channel 2:
// microvm has no port 0x61 to gate channel 2. Wall time is the host's time at
// boot plus monotonic time since, as the kernel has no RTC (microvm rtc=off).
#include "drivers/clock.h"
#include "arch/x86_64/cpu.h"

#define PIT_HZ     1193182u
#define PIT_CH0    0x40
#define PIT_CMD    0x43
#define CAL_TICKS  2386u        // 2 ms

static uint64_t tsc_hz;
static uint64_t realtime_at_boot_ns;

static uint16_t
pit_read_ch0(void)
{
    uint8_t lo, hi;

    outb(PIT_CMD, 0x00);        // latch channel 0
    lo = inb(PIT_CH0);
    hi = inb(PIT_CH0);
    return (uint16_t)(hi << 8 | lo);
}

static uint64_t
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

uint64_t
clock_tsc_hz(void)
{
    if (!tsc_hz) {
        tsc_hz = calibrate_with_pit();
        if (!tsc_hz)
            tsc_hz = 1000000000;   // a PIT that never counted: assume 1 GHz rather than divide by 0
    }
    return tsc_hz;
}

uint64_t
clock_tsc_to_ns(uint64_t ticks)
{
    uint64_t hz = clock_tsc_hz();

    // Whole seconds, then the remainder: no 128-bit division (no libgcc here).
    return ticks / hz * 1000000000u + (ticks % hz) * 1000000000u / hz;
}

uint64_t
clock_monotonic_ns(void)
{
    return clock_tsc_to_ns(rdtsc() - boot_tsc);
}

void
clock_set_realtime(uint64_t epoch_ns)
{
    realtime_at_boot_ns = epoch_ns;
}

uint64_t
clock_realtime_ns(void)
{
    return realtime_at_boot_ns + clock_monotonic_ns();
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
