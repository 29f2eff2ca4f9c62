// Pipes.
#pragma once
#include "types.h"

struct file;
long pipe_create(uint32_t flags, struct file **rd, struct file **wr);   // 0 or -ENFILE
bool pipe_describe(struct file *f, char *buf, size_t len);              // "pipe:[N]" for /proc/self/fd
