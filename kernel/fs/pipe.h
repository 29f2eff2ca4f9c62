// Pipes.
#pragma once
#include "types.h"

struct file;
struct vnode;
long pipe_create(uint32_t flags, struct file **rd, struct file **wr);   // 0 or -ENFILE
long pipe_open_fifo(struct vnode *vn, struct file *f);                  // the FIFO's shared pipe
bool pipe_describe(struct file *f, char *buf, size_t len);              // "pipe:[N]" for /proc/self/fd
