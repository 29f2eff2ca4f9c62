// Pipes.
#pragma once
#include "types.h"

struct file;
struct vnode;
struct pipe;
long pipe_create(uint32_t flags, struct file **rd, struct file **wr);   // 0 or -ENFILE
long pipe_open_fifo(struct vnode *vn, struct file *f);                  // the FIFO's shared pipe
bool pipe_describe(struct file *f, char *buf, size_t len); // "pipe:[N]" for /proc/self/fd

// For splice, tee and vmsplice: the pipe behind a file (NULL if none), waits
// for its bytes or its room, and moving bytes without the file's checks.
struct pipe *pipe_of(struct file *f);
long pipe_wait_data(struct pipe *p,
                    bool nonblock); // bytes buffered, 0 at its end, -EAGAIN, -ERESTARTSYS
long pipe_wait_room(struct pipe *p, bool nonblock); // bytes that fit, -EAGAIN, -ERESTARTSYS, -EPIPE
size_t pipe_peek(struct pipe *p, void *dst, size_t n);
void pipe_consume(struct pipe *p, size_t n);
void pipe_put(struct pipe *p, const void *src, size_t n);
