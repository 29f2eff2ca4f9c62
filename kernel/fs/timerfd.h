// timerfd_create(2): a timer whose expiries are read from a file.
// syscalls/timerfd.c checks arguments and copies; times here are ns.
#pragma once
#include "types.h"

struct file;

long timerfd_new(int clock, uint32_t flags, struct file **out); // FLAGS: O_NONBLOCK; 0 or -ENOMEM
bool file_is_timerfd(const struct file *f);
// Arm F to expire at VALUE (on its clock when ABSOLUTE, else from now) and
// then every INTERVAL (0: once); VALUE 0 disarms. Expiries not yet read are
// dropped. The old setting comes back as timerfd_get gives it.
void timerfd_set(struct file *f, bool absolute, uint64_t value, uint64_t interval,
                 uint64_t *old_value, uint64_t *old_interval);
// The time to the next expiry (0 when disarmed or expired for good) and the interval.
void timerfd_get(struct file *f, uint64_t *value, uint64_t *interval);
