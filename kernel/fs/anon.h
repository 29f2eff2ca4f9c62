// Files with no node behind them (epoll, eventfd, timerfd, signalfd): what
// Linux makes on its anonymous inode. They share how they are made, named
// in /proc/self/fd ("anon_inode:[eventfd]") and described by fstat.
#pragma once
#include "types.h"

struct file;
struct file_ops;
struct stat;

// A new open file (one reference) for OPS and PRIV, its O_* FLAGS, named
// "anon_inode:[NAME]"; NULL when out of memory.
struct file *anon_file_new(const struct file_ops *ops, const char *name, uint32_t flags,
                           void *priv);
// Install F at the lowest free descriptor: the descriptor, or -EMFILE with F put.
long anon_file_install(struct file *f, bool cloexec);
// fstat of any of them: mode 0600 and no file type, as Linux's anonymous inode.
long anon_stat(struct file *f, struct stat *st);
