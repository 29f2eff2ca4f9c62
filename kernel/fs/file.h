// Open files and the per-process descriptor table. Operations work on kernel
// buffers; syscalls/ copies to and from the program.
#pragma once
#include "types.h"

struct file;
struct stat;

struct file_ops {
    ssize_t (*read)(struct file *f, void *buf, size_t n);
    ssize_t (*write)(struct file *f, const void *buf, size_t n);
    long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
    long (*stat)(struct file *f, struct stat *st);
    uint32_t (*poll)(struct file *f);    // POLLIN/POLLOUT/POLLHUP that hold now
    void (*release)(struct file *f);
};

struct file {
    const struct file_ops *ops;
    int refs;
    uint32_t flags;        // O_* status flags (O_RDONLY.., O_APPEND, O_NONBLOCK)
    off_t pos;
    void *priv;
};

#define FD_MAX 1024        // RLIMIT_NOFILE's soft default

struct fd_table {
    struct file *files[FD_MAX];
    uint8_t cloexec[FD_MAX];
};

struct fd_table *fd_table_create(void);
struct file *fd_get(int fd);                  // borrowed; NULL when not open
int fd_install(int fd, struct file *f, bool cloexec);   // fd < 0: lowest free; returns fd or -EMFILE
long fd_close(int fd);
struct file *file_get(struct file *f);        // take a reference
void file_put(struct file *f);
