// Advisory file locks (fcntl record locks, OFD locks, flock) kept on the
// node, in kernel/fs/lock.c; syscalls/fs_fd.c translates struct flock.
#pragma once
#include "types.h"

struct vnode;

#define LOCK_OFFSET_MAX 0x7fffffffffffffffull   // "to the end of the file", Linux's OFFSET_MAX

enum lock_kind { LOCK_KIND_POSIX, LOCK_KIND_OFD, LOCK_KIND_FLOCK };

struct file_lock {
    struct file_lock *next;
    enum lock_kind kind;
    const void *owner;     // the process (POSIX) or the struct file (OFD, flock)
    int type;              // F_RDLCK, F_WRLCK (F_UNLCK only in requests)
    uint64_t start, end;   // bytes, inclusive; end LOCK_OFFSET_MAX: to the end of the file
    int pid;               // reported by F_GETLK: the owner's pid, -1 for OFD locks
};

struct file_lock *lock_find_conflict(struct vnode *vn, const struct file_lock *req);
long lock_set_record(struct vnode *vn, const struct file_lock *req);
long lock_set_flock(struct vnode *vn, const struct file_lock *req);
void lock_release(struct vnode *vn, const void *owner);
