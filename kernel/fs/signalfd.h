// signalfd(2): the calling thread's pending signals, read from a file as
// struct signalfd_siginfo. syscalls/signalfd.c checks arguments.
#pragma once
#include "types.h"

struct file;

// A new signalfd for MASK (bit sig-1; SIGKILL and SIGSTOP already taken
// out); FLAGS: O_NONBLOCK. 0 or -ENOMEM.
long signalfd_new(uint64_t mask, uint32_t flags, struct file **out);
bool file_is_signalfd(const struct file *f);
void signalfd_set_mask(struct file *f, uint64_t mask);
