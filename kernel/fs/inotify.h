// inotify(7): an instance is an anonymous file holding a queue of events;
// its watches hang on nodes (vnode->watches). The VFS reports each change
// through fsnotify()/fsnotify_name(), which cost one load while nobody watches.
#pragma once
#include "types.h"

struct file;
struct vnode;

// With an event: for the node's own watches only, not its folder's (the
// IN_ATTRIB of a link count that changed, as Linux's fsnotify_link_count).
#define FSNOTIFY_SELF_ONLY 0x1000u

// The limits, /proc/sys/fs/inotify's defaults (max_user_watches scales with
// memory on Linux; 8192 is its floor). Plain numbers: procfs prints them.
#define INOTIFY_MAX_QUEUED_EVENTS  16384
#define INOTIFY_MAX_USER_WATCHES   8192
#define INOTIFY_MAX_USER_INSTANCES 128

extern int inotify_nwatches; // watches in the whole kernel, under the kernel lock

long inotify_new(uint32_t flags, struct file **out); // flags: O_NONBLOCK; -EMFILE, -ENOMEM
bool file_is_inotify(const struct file *f);
// Watch VN for MASK's events: the watch descriptor, or -EEXIST, -ENOSPC, -ENOMEM.
long inotify_add(struct file *f, struct vnode *vn, uint32_t mask);
long inotify_rm(struct file *f, int wd); // 0 or -EINVAL
uint32_t inotify_next_cookie(void); // pairs IN_MOVED_FROM with its IN_MOVED_TO

void inotify_event_node(struct vnode *vn, uint32_t mask);
void inotify_event_name(struct vnode *dir, const char *name, struct vnode *vn, uint32_t mask,
                        uint32_t cookie);
void inotify_node_gone(struct vnode *vn);

// MASK (IN_*) happened to VN itself: its watches hear it, and those of a
// folder naming it too (with the name) for the events folders hear of children.
static inline void
fsnotify(struct vnode *vn, uint32_t mask)
{
    if (inotify_nwatches)
        inotify_event_node(vn, mask);
}

// MASK (IN_CREATE, IN_DELETE, IN_MOVED_*) happened to the name NAME of VN in DIR.
static inline void
fsnotify_name(struct vnode *dir, const char *name, struct vnode *vn, uint32_t mask, uint32_t cookie)
{
    if (inotify_nwatches)
        inotify_event_name(dir, name, vn, mask, cookie);
}

// VN is going away (its last name and last user): IN_DELETE_SELF, then each
// watch ends with IN_IGNORED.
static inline void
fsnotify_gone(struct vnode *vn)
{
    if (inotify_nwatches)
        inotify_node_gone(vn);
}
