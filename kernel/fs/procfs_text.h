// What procfs's two files share: the text buffer generators fill and
// unnamed nodes made at a lookup (fs/procfs.c, fs/procfs_pid.c).
#pragma once
#include "types.h"

struct vnode;
struct proc;
struct thread;

// A growing text buffer for generators.
struct text {
    char *buf;
    size_t len, cap;
};

void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_byte(struct text *t, char c);          // one byte, NULs included
long text_done(struct text *t, char **buf, size_t *len);
struct vnode *procfs_node(uint32_t mode);        // panics when out of memory

// /proc's numbered folders: one per process, made at each lookup.
long procfs_pid_lookup(struct vnode *dir, const char *name, struct vnode **out);
long procfs_pid_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type);
long procfs_link_self(struct vnode *vn, char *buf, size_t len);
long procfs_link_thread_self(struct vnode *vn, char *buf, size_t len);

// The process a /proc/PID node names (NULL once it is reaped), and the thread:
// its TID's, else the process's first (fs/procfs_pid.c).
struct proc *procfs_proc_of(struct vnode *vn);
struct thread *procfs_thread_of(struct vnode *vn);
// /proc/PID/stat, statm and status (fs/procfs_stat.c).
long procfs_gen_stat(struct vnode *vn, char **buf, size_t *len);
long procfs_gen_statm(struct vnode *vn, char **buf, size_t *len);
long procfs_gen_status(struct vnode *vn, char **buf, size_t *len);
// /proc/PID/coredump_filter (fs/procfs_coredump.c).
long procfs_gen_coredump_filter(struct vnode *vn, char **buf, size_t *len);
long procfs_store_coredump_filter(struct vnode *vn, const char *buf, size_t len);
