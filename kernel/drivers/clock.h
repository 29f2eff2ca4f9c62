// Time: the TSC, calibrated against the PIT, counts from kernel entry. The
// conversion and the clocks' parameters live in the vvar page the vDSO
// reads too (vdso/vvar.h).
#pragma once
#include "types.h"
#include "vdso/vvar.h"

extern uint64_t boot_tsc;        // TSC at the first instruction (boot.S)
extern union vvar_page clock_vvar;   // exec/vdso.c maps it into the program read-only

uint64_t clock_tsc_hz(void);     // calibrates on first use
uint64_t clock_tsc_to_ns(uint64_t ticks);
uint64_t clock_read_ns(int clock);   // a clock vvar_clock_served accepts, in ns
uint64_t clock_monotonic_ns(void);
uint64_t clock_realtime_ns(void);
uint64_t clock_realtime_coarse_ns(void);   // boot time until the TSC is calibrated
void clock_set_realtime(uint64_t epoch_ns);   // the host's time at boot, from the manifest
void clock_settime_realtime(uint64_t epoch_ns);   // clock_settime, settimeofday
void clock_set_timezone(int minuteswest, int dsttime);   // settimeofday's tz
void clock_get_timezone(int *minuteswest, int *dsttime);
void clock_delay_ns(uint64_t ns);   // spin
