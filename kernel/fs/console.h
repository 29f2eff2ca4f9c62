// The program's standard streams: fd 0, 1, 2 as the host sees them.
#pragma once
#include "types.h"
struct file_ops;
struct file;
void console_open_stdio(void);   // installs fds 0, 1, 2 in the current process
// Set up the console device now, if the program has not used a stream yet:
// messages from the host (a signal) reach the program from then on.
void console_start(void);
// Wait until the program's output has left the VM (virtio-console's pages
// are back), before a program's end stops it (qemu_exit).
void console_drain(void);
// Operations for /dev/tty and /dev/console: the terminal if the host has one.
const struct file_ops *console_tty_ops(void);
// How /proc/self/fd shows a standard stream: "/dev/pts/0" or "pipe:[N]".
bool console_describe(struct file *f, char *buf, size_t len);
