// Open files and the per-process descriptor table. Operations work on kernel
// buffers (but read_user, write_user); syscalls/ copies to and from the program.
#pragma once
#include "types.h"
#include <linux/fcntl.h>

struct epitem;
struct file;

// When a file's object last woke its waiters, as stamps from the clock of
// wait_pokes(): one for what readers wait for, one for writers (Linux's
// wake-up keys), so an epoll item sees only the wake-ups it asked for.
struct file_edges {
    uint64_t in, out;
};

struct stat;
struct vnode;

// read/write use and advance *POS (the file's offset, or pread's own).
struct file_ops {
    long (*open)(struct file *f);        // optional: may refuse the open
    ssize_t (*read)(struct file *f, void *buf, size_t n, uint64_t *pos);
    ssize_t (*write)(struct file *f, const void *buf, size_t n, uint64_t *pos);
    // Optional, for streams: read straight into the program's memory (one
    // copy, not two), as much as is ready up to N, not a chunk at a time.
    ssize_t (*read_user)(struct file *f, char __user *buf, size_t n, uint64_t *pos);
    // Optional, the same for writes: straight from the program, the whole count.
    ssize_t (*write_user)(struct file *f, const char __user *buf, size_t n, uint64_t *pos);
    long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
    long (*stat)(struct file *f, struct stat *st);   // for files without a vnode (console, pipes)
    uint32_t (*poll)(struct file *f); // POLLIN/POLLOUT/POLLHUP that hold now; NULL: always ready
    void (*release)(struct file *f);
    bool seekable; // lseek and pread work; else ESPIPE
    bool seek_noop; // lseek leaves the offset, always 0 (memory devices)
};

struct file {
    const struct file_ops *ops;
    int refs;
    uint32_t flags; // O_* status flags (O_RDONLY.., O_APPEND, O_NONBLOCK)
    uint64_t pos;
    struct vnode *vn; // the node opened, NULL for the console and pipes
    char *path; // the absolute path it was opened by, for /proc/self/fd
    void *priv;
    // Edge-triggered epoll (fs/epoll.c): when the file's object last became
    // more ready (file_wake), kept by the object (a pipe, an eventfd); NULL
    // means it keeps none, and then every wait_poke() counts as a wake-up.
    const struct file_edges *edges;
    struct epitem *epitems; // the epoll items watching this open file
    bool counts_writer; // counted in vn->writers (execve's ETXTBSY)
};

#define FD_MAX       1024 // RLIMIT_NOFILE's soft default
#define MAX_RW_COUNT 0x7ffff000ul // Linux's cap on one transfer: INT_MAX rounded down to a page
#define UIO_MAXIOV   1024 // the most iovecs one call takes (IOV_MAX)

struct fd_table {
    int refs; // processes sharing it (CLONE_FILES)
    struct file *files[FD_MAX];
    uint8_t cloexec[FD_MAX];
};

struct fd_table *fd_table_copy(struct fd_table *t); // fork: the same open files; NULL if no memory
void fd_table_put(struct fd_table *t); // one process fewer: closes all at the last
void fd_close_on_exec(struct fd_table *t); // exec: the O_CLOEXEC ones

// Was the file opened for reading, for writing (O_ACCMODE)?
static inline bool
file_can_read(const struct file *f)
{
    return (f->flags & O_ACCMODE) != O_WRONLY;
}
static inline bool
file_can_write(const struct file *f)
{
    return (f->flags & O_ACCMODE) != O_RDONLY;
}

struct file *fd_get(int fd); // borrowed; NULL when not open or O_PATH
struct file *fd_get_raw(int fd); // borrowed; O_PATH too (fstat, fcntl, dup, *at)
int fd_install(int fd, struct file *f, bool cloexec); // fd < 0: lowest free; returns fd or -EMFILE
long fd_close(int fd);
struct file *file_get(struct file *f); // take a reference
uint32_t file_poll(struct file *f); // the file's ready events
// The object behind E became more ready for EVENTS (POLLIN: data came or
// an end closed; POLLOUT: room was made): stamp it and let every waiter
// re-check (wait_poke).
void file_wake(struct file_edges *e, uint32_t events);
// The stamp of F's last wake-up for any of EVENTS (an epoll item's).
uint64_t file_edge(const struct file *f, uint32_t events);
void file_put(struct file *f);
