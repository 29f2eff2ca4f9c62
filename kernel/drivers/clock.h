// Time: the TSC, calibrated against the PIT, counts from kernel entry.
#pragma once
#include "types.h"

extern uint64_t boot_tsc;        // TSC at the first instruction (boot.S)

uint64_t clock_tsc_hz(void);     // calibrates on first use
uint64_t clock_monotonic_ns(void);
uint64_t clock_tsc_to_ns(uint64_t ticks);
uint64_t clock_realtime_ns(void);
uint64_t clock_realtime_coarse_ns(void);   // boot time until the TSC is calibrated
void clock_set_realtime(uint64_t epoch_ns);   // the host's time at boot, from the manifest
void clock_delay_ns(uint64_t ns);   // spin
