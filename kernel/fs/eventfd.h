// eventfd(2): a 64-bit counter as a file, for one thread or process to wake
// another. syscalls/eventfd.c checks the flags.
#pragma once
#include "types.h"

struct file;

#define EFD_SEMAPHORE 1     // reads take 1, not the whole count (Linux's include/linux/eventfd.h)

// A new eventfd holding INITVAL; FLAGS are EFD_SEMAPHORE and O_NONBLOCK.
long eventfd_new(uint64_t initval, uint32_t flags, struct file **out);   // 0 or -ENOMEM
