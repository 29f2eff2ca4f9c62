// System V IPC objects (shared memory segments, semaphore sets, message
// queues): what the three kinds share. Each kind has one id table in the VM's
// one IPC namespace; an object is found by key or by id, and its permission
// bits are checked against the caller's ids as Linux's ipcperms does. All of
// it is protected by the kernel lock.
#pragma once
#include "types.h"

struct proc;
struct ipc64_perm;

#define IPC_MNI       32768      // Linux's IPCMNI: an id is (seq << 15) + index
#define IPC_SEQ_SHIFT 15
#define IPC_MIN_CYCLE 64         // Linux's ipc_min_cycle: indexes cycle at least this far

// What every object starts with.
struct ipc_obj {
    int id;
    int32_t key;                  // IPC_PRIVATE (0) once removed, as Linux
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;                // permission bits, and SHM_DEST / SHM_LOCKED for segments
    uint16_t seq;
};

// One kind's table. Indexes are handed out cyclically (as Linux 6.1 does),
// so a removed object's id is not reused at once.
struct ipc_ids {
    struct ipc_obj **objs;        // by index; NULL where free
    int cap;                      // length of objs
    int in_use;
    int max_idx;                  // the highest index in use, -1 if none
    int last_idx;                 // the index handed out last
    uint16_t seq;
    int limit;                    // SHMMNI, SEMMNI, MSGMNI
};

// The object with ID, or NULL (a free index or a stale sequence number).
struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id);
// The object at index IDX (SHM_STAT, SEM_STAT, MSG_STAT), or NULL.
struct ipc_obj *ipc_find_index(struct ipc_ids *ids, int idx);
// Give O an index, id and owner (the caller's effective ids); -ENOSPC when full.
long ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, uint32_t mode);
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);
// The highest index in use, or 0 when none: what the *_INFO commands return.
int ipc_max_index(const struct ipc_ids *ids);

// The first steps of shmget, semget and msgget (Linux's ipcget). For
// IPC_PRIVATE, or a key not in use with IPC_CREAT, *OUT is NULL: the caller
// makes a new object. For a key in use, *OUT is it (the caller's own checks
// come next, then ipc_open). Else -ENOENT or -EEXIST.
long ipc_lookup_key(struct ipc_ids *ids, int32_t key, int flags, struct ipc_obj **out);
// May the caller open O with the permission bits in FLAGS? Its id, or -EACCES.
long ipc_open(struct ipc_obj *o, int flags);

// ipcperms: may the caller have the access MODE asks for (S_IRUGO, S_IWUGO
// and the like: any of a class's bits stands for that access)?
bool ipc_permitted(const struct ipc_obj *o, uint32_t mode);
// IPC_SET and IPC_RMID: the owner, the creator or root (CAP_SYS_ADMIN).
bool ipc_may_change(const struct ipc_obj *o);
// IPC_SET's new owner and permission bits; -EINVAL for an id of -1.
long ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *in);
void ipc_get_perm(const struct ipc_obj *o, struct ipc64_perm *out);

// The clock IPC times are kept in: realtime seconds.
int64_t ipc_now(void);

// A process ends: its semaphore adjustments (SEM_UNDO) are applied and
// segments nothing has attached any more since IPC_RMID are freed. Call it
// once the process's address space is gone.
void ipc_exit(struct proc *p);
