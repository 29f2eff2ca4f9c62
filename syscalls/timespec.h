// A timespec from the program, checked and turned into nanoseconds: one
// rule for nanosleep, futex and poll/select; and the sleep they share.
#pragma once
#include "types.h"
#include <linux/time_types.h>

#define NSEC_PER_SEC 1000000000ull

// EFAULT or EINVAL (negative, or tv_nsec not below a second) as Linux gives;
// a time too long for 64 bits of nanoseconds becomes UINT64_MAX (forever).
long timespec_from_user(const struct __kernel_timespec __user *uts, uint64_t *ns);

// The monotonic time at which clock CLOCK (a clockid) reads DEADLINE (ns):
// absolute timeouts on any clock become waits on the monotonic one.
uint64_t deadline_monotonic(int clock, uint64_t deadline);

// A + B, UINT64_MAX when that does not fit: a deadline that never comes.
static inline uint64_t
add_ns_saturating(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}
