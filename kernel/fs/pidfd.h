// Process file descriptors (pidfd_open(2)): a file that names a process by
// its pid, readable in poll once the process has ended.
#pragma once
#include "types.h"

struct file;

// A new pidfd file for process PID (one reference), O_* FLAGS; NULL when out of memory.
struct file *pidfd_file_new(int pid, uint32_t flags);
// The pid F names, or -EBADF when F is not a pidfd.
int pidfd_pid(struct file *f);
