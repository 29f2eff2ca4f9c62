// epoll: sets of (descriptor, open file) items, each with the events it
// waits for, level- or edge-triggered. syscalls/epoll.c checks arguments.
#pragma once
#include "types.h"

struct file;
struct epoll_event;

long epoll_new(struct file **out);                  // a new epoll file; 0 or -ENOMEM
bool file_is_epoll(const struct file *f);
// EPOLL_CTL_ADD, _DEL or _MOD of (FD, TARGET) in the epoll EP, with EV's
// events and data (ADD, MOD): 0, -EEXIST, -ENOENT, -ELOOP, -EINVAL, -ENOMEM.
long epoll_ctl(struct file *ep, int op, int fd, struct file *target, const struct epoll_event *ev);
// Up to MAX ready events into OUT: waits until one is ready, DEADLINE
// passes (0 events) or a signal comes (-EINTR). NONBLOCK: look once.
long epoll_wait_events(struct file *ep, struct epoll_event *out, int max, uint64_t deadline,
                       bool nonblock);
int epoll_num_items(struct file *ep);
// F's last reference is going: take it out of every epoll that watches it.
void epoll_forget_file(struct file *f);
