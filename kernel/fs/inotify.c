// inotify(7) instances and watches (inotify.h). An instance is an anonymous
// file with a queue of whole events; a watch joins one instance to one node.
// Locking: the kernel lock (docs/kernel.md, "SMP and locking") guards every
// queue, watch list and count here; every path in is a syscall or a VFS
// change made under it, and read's wait lets it go only inside wait_event.
#include "fs/inotify.h"
#include "fs/anon.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>

#define MAX_QUEUED_EVENTS  INOTIFY_MAX_QUEUED_EVENTS
#define MAX_USER_WATCHES   INOTIFY_MAX_USER_WATCHES
#define MAX_USER_INSTANCES INOTIFY_MAX_USER_INSTANCES
#define EVENT_SIZE         sizeof(struct inotify_event)
// What a folder hears about its children, with their names (as Linux's
// FS_EVENTS_POSS_ON_CHILD); the rest reach the node's own watches only.
#define CHILD_EVENTS                                                                               \
    (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN)
#define WATCH_FLAGS (IN_ONESHOT | IN_EXCL_UNLINK) // kept in a watch's mask beside its events

struct queued {
    struct queued *next;
    uint32_t size;
    char bytes[]; // the event as read(2) gives it: struct inotify_event and its padded name
};

struct inotify { // protected by the kernel lock, every field
    struct inotify *next; // all instances, for the folders a changed file may be in
    struct inotify_watch *watches;
    int last_wd; // wds count up from 1, as Linux's cyclic allocation gives them
    struct queued *head, *tail;
    uint32_t nevents, bytes;
    bool overflowed; // an IN_Q_OVERFLOW is queued
    struct file_edges edges;
};

// A file a watched folder lost while it was still open: Linux's folder keeps
// hearing of it by its old name until its end, unless IN_EXCL_UNLINK.
struct unlinked {
    struct unlinked *next;
    struct vnode *vn; // no reference: inotify_node_gone drops the record
    char name[];
};

struct inotify_watch { // protected by the kernel lock, every field
    struct inotify *in;
    struct vnode *vn; // no reference: the node's end (fsnotify_gone) ends the watch
    int wd;
    uint32_t mask; // IN_* events and WATCH_FLAGS
    struct inotify_watch *in_next, *vn_next;
    struct unlinked *unlinked; // folders: their open files that lost their name here
};

int inotify_nwatches; // these four: protected by the kernel lock
static struct inotify *instances;
static int ninstances;
static uint32_t last_cookie;

__after_boot uint32_t
inotify_next_cookie(void)
{
    return ++last_cookie ? last_cookie : ++last_cookie;
}

__after_boot static void
append(struct inotify *in, const void *ev, uint32_t size)
{
    struct queued *q = kmalloc(sizeof(*q) + size);

    if (!q)
        return; // LINUX-DIFF: Linux queues IN_Q_OVERFLOW when it cannot allocate
    q->next = NULL;
    q->size = size;
    memcpy(q->bytes, ev, size);
    if (in->tail)
        in->tail->next = q;
    else
        in->head = q;
    in->tail = q;
    in->nevents++;
    in->bytes += size;
    file_wake(&in->edges, POLLIN);
}

// Queue one event, unless it repeats the last one queued (Linux merges
// those); a full queue takes one IN_Q_OVERFLOW and drops the rest.
__after_boot static void
queue_event(struct inotify *in, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
    char buf[EVENT_SIZE + NAME_MAX_LINUX + EVENT_SIZE] = { 0 };
    struct inotify_event *ev = (struct inotify_event *)buf;
    uint32_t size;

    *ev = (struct inotify_event){ wd, mask, cookie, 0 };
    if (name) {
        ev->len = ALIGN_UP(strlen(name) + 1, EVENT_SIZE);
        strlcpy(ev->name, name, NAME_MAX_LINUX + 1);
    }
    size = EVENT_SIZE + ev->len;
    if (in->nevents >= MAX_QUEUED_EVENTS) {
        if (in->overflowed)
            return;
        *ev = (struct inotify_event){ -1, IN_Q_OVERFLOW, 0, 0 };
        size = EVENT_SIZE;
        in->overflowed = true;
    } else if (in->tail && in->tail->size == size && !memcmp(in->tail->bytes, buf, size)) {
        return;
    }
    append(in, buf, size);
}

__after_boot static void
watch_free(struct inotify_watch *w)
{
    struct inotify_watch **pp;

    for (pp = &w->in->watches; *pp != w; pp = &(*pp)->in_next)
        ;
    *pp = w->in_next;
    for (pp = &w->vn->watches; *pp != w; pp = &(*pp)->vn_next)
        ;
    *pp = w->vn_next;
    while (w->unlinked) {
        struct unlinked *u = w->unlinked;
        w->unlinked = u->next;
        kfree(u);
    }
    inotify_nwatches--;
    kfree(w);
}

// The watch goes (inotify_rm_watch, a one-shot that fired, its node gone): IN_IGNORED.
__after_boot static void
watch_end(struct inotify_watch *w)
{
    queue_event(w->in, w->wd, IN_IGNORED, 0, NULL);
    watch_free(w);
}

// W hears MASK if it asked for it; a one-shot watch then ends.
__after_boot static void
watch_hear(struct inotify_watch *w, uint32_t mask, uint32_t cookie, const char *name)
{
    if (!(w->mask & mask & IN_ALL_EVENTS))
        return;
    queue_event(w->in, w->wd, mask, cookie, name);
    if (w->mask & IN_ONESHOT)
        watch_end(w);
}

// What folder W calls VN: a name it holds, or the one it had when VN was unlinked.
__after_boot static const char *
name_in(struct inotify_watch *w, struct vnode *vn)
{
    if (vn->nlink > 0)
        return dir_name_of(w->vn, vn);
    for (struct unlinked *u = w->unlinked; u; u = u->next)
        if (u->vn == vn)
            return u->name;
    return NULL;
}

// Folders watched by anyone that hold VN (a file: files keep no parent) hear
// MASK with its name there. Linear in the watched folders' sizes.
__after_boot static void
tell_folders_of_file(struct vnode *vn, uint32_t mask)
{
    for (struct inotify *in = instances; in; in = in->next) {
        struct inotify_watch *w, *next;
        for (w = in->watches; w; w = next) {
            const char *name;
            next = w->in_next;
            if (vnode_is_dir(w->vn) && (w->mask & mask) && (name = name_in(w, vn)))
                watch_hear(w, mask, 0, name);
        }
    }
}

// DIR's watches (without IN_EXCL_UNLINK) keep the name of VN, unlinked
// from it while still open, for the events it still makes.
__after_boot static void
remember_unlinked(struct vnode *dir, const char *name, struct vnode *vn)
{
    for (struct inotify_watch *w = dir->watches; w; w = w->vn_next) {
        struct unlinked *u;
        if ((w->mask & IN_EXCL_UNLINK) || !(u = kmalloc(sizeof(*u) + strlen(name) + 1)))
            continue;
        u->vn = vn;
        strlcpy(u->name, name, strlen(name) + 1);
        u->next = w->unlinked;
        w->unlinked = u;
    }
}

__after_boot static void
forget_unlinked(struct vnode *vn)
{
    for (struct inotify *in = instances; in; in = in->next)
        for (struct inotify_watch *w = in->watches; w; w = w->in_next)
            for (struct unlinked **pp = &w->unlinked; *pp;) {
                struct unlinked *u = *pp;
                if (u->vn != vn) {
                    pp = &u->next;
                    continue;
                }
                *pp = u->next;
                kfree(u);
            }
}

__after_boot static void
tell_watches(struct vnode *vn, uint32_t mask, uint32_t cookie, const char *name)
{
    struct inotify_watch *w, *next;

    for (w = vn->watches; w; w = next) {
        next = w->vn_next;
        watch_hear(w, mask, cookie, name);
    }
}

// The folder first, then the node's own watches, as Linux reports them.
__after_boot void
inotify_event_node(struct vnode *vn, uint32_t mask)
{
    bool self_only = mask & FSNOTIFY_SELF_ONLY;

    mask &= ~FSNOTIFY_SELF_ONLY;
    if (vnode_is_dir(vn) && (mask & CHILD_EVENTS))
        mask |= IN_ISDIR;       // not on IN_MOVE_SELF, as Linux reports it
    if ((mask & CHILD_EVENTS) && !self_only) {
        if (!vnode_is_dir(vn))
            tell_folders_of_file(vn, mask);
        else if (vn->nlink > 0 && vn->parent && vn->parent != vn)
            tell_watches(vn->parent, mask, 0, vn->name);
    }
    tell_watches(vn, mask, 0, NULL);
}

__after_boot void
inotify_event_name(struct vnode *dir, const char *name, struct vnode *vn, uint32_t mask,
                   uint32_t cookie)
{
    if ((mask & IN_DELETE) && !vnode_is_dir(vn) && vn->nlink == 0 && vn->refs > 1)
        remember_unlinked(dir, name, vn);
    tell_watches(dir, mask | (vnode_is_dir(vn) ? IN_ISDIR : 0), cookie, name);
}

__after_boot void
inotify_node_gone(struct vnode *vn)
{
    if (!vnode_is_dir(vn))
        forget_unlinked(vn);
    while (vn->watches) {
        struct inotify_watch *w = vn->watches;
        if (w->mask & IN_DELETE_SELF)
            queue_event(w->in, w->wd, IN_DELETE_SELF, 0, NULL); // no IN_ISDIR, as Linux
        watch_end(w);
    }
}

__after_boot static struct inotify_watch *
find_wd(struct inotify *in, int wd)
{
    struct inotify_watch *w;

    for (w = in->watches; w && w->wd != wd; w = w->in_next)
        ;
    return w;
}

__after_boot static int
next_wd(struct inotify *in)
{
    do
        in->last_wd = in->last_wd == INT32_MAX ? 1 : in->last_wd + 1;
    while (find_wd(in, in->last_wd));
    return in->last_wd;
}

__after_boot long
inotify_add(struct file *f, struct vnode *vn, uint32_t mask)
{
    struct inotify *in = f->priv;
    uint32_t keep = mask & (IN_ALL_EVENTS | WATCH_FLAGS);
    struct inotify_watch *w;

    for (w = vn->watches; w && w->in != in; w = w->vn_next)
        ;
    if (w && (mask & IN_MASK_CREATE))
        return -EEXIST;
    if (w) {
        w->mask = (mask & IN_MASK_ADD ? w->mask : 0) | keep;
        return w->wd;
    }
    if (inotify_nwatches >= MAX_USER_WATCHES)
        return -ENOSPC;
    if (!(w = kzalloc(sizeof(*w))))
        return -ENOMEM;
    *w = (struct inotify_watch){ in, vn, next_wd(in), keep, in->watches, vn->watches, NULL };
    in->watches = vn->watches = w;
    inotify_nwatches++;
    return w->wd;
}

__after_boot long
inotify_rm(struct file *f, int wd)
{
    struct inotify_watch *w = find_wd(f->priv, wd);

    if (!w)
        return -EINVAL;
    watch_end(w);
    return 0;
}

__after_boot static bool
has_event(void *arg)
{
    return ((struct inotify *)arg)->head != NULL;
}

// Wait for an event unless the file is non-blocking: 0, -EAGAIN or -ERESTARTSYS.
__after_boot static long
wait_for_event(struct file *f)
{
    struct inotify *in = f->priv;

    while (!in->head) { // again if another reader took what woke us
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (wait_event(WAIT_FOREVER, has_event, in, true) < 0)
            return -ERESTARTSYS;
    }
    return 0;
}

// The first event goes (read has copied it).
__after_boot static void
pop_event(struct inotify *in)
{
    struct queued *q = in->head;

    if (!(in->head = q->next))
        in->tail = NULL;
    in->nevents--;
    in->bytes -= q->size;
    if (((struct inotify_event *)q->bytes)->mask & IN_Q_OVERFLOW)
        in->overflowed = false;
    kfree(q);
}

// Whole events only, as many as fit; EINVAL when the next one does not.
// LINUX-DIFF: sys_read answers a count of 0 itself (0), where Linux asks
// inotify (EINVAL with an event queued, else EAGAIN or a wait).
__after_boot static ssize_t
inotify_read_user(struct file *f, char __user *buf, size_t n, uint64_t *pos)
{
    struct inotify *in = f->priv;
    size_t done = 0;
    long ret;

    if ((ret = wait_for_event(f)) < 0)
        return ret;
    while (in->head && done + in->head->size <= n) {
        ret = copy_to_user(buf + done, in->head->bytes, in->head->size);
        if (ret == 0)
            done += in->head->size;
        pop_event(in); // as Linux: an event read into a bad buffer is lost
        if (ret < 0)
            return done ? (ssize_t)done : ret;
    }
    return done ? (ssize_t)done : -EINVAL;
}

// The same into a kernel buffer (readv, splice).
__after_boot static ssize_t
inotify_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    struct inotify *in = f->priv;
    size_t done = 0;
    long ret;

    if ((ret = wait_for_event(f)) < 0)
        return ret;
    while (in->head && done + in->head->size <= n) {
        memcpy((char *)buf + done, in->head->bytes, in->head->size);
        done += in->head->size;
        pop_event(in);
    }
    return done ? (ssize_t)done : -EINVAL;
}

__after_boot static uint32_t
inotify_poll(struct file *f)
{
    return ((struct inotify *)f->priv)->head ? POLLIN : 0; // no POLLRDNORM, as Linux 6.18
}

// FIONREAD: the bytes queued, as an int.
__after_boot static long
inotify_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    int n = ((struct inotify *)f->priv)->bytes;

    if (cmd != FIONREAD)
        return -ENOTTY;
    return copy_to_user((void __user *)arg, &n, sizeof(n));
}

__after_boot static void
inotify_release(struct file *f)
{
    struct inotify *in = f->priv, **pp;

    while (in->watches)
        watch_free(in->watches);
    while (in->head) {
        struct queued *q = in->head;
        in->head = q->next;
        kfree(q);
    }
    for (pp = &instances; *pp != in; pp = &(*pp)->next)
        ;
    *pp = in->next;
    ninstances--;
    kfree(in);
}

static const struct file_ops inotify_ops = {
    .read = inotify_read,
    .read_user = inotify_read_user,
    .ioctl = inotify_ioctl,
    .stat = anon_stat,
    .poll = inotify_poll,
    .release = inotify_release,
};

__after_boot bool
file_is_inotify(const struct file *f)
{
    return f->ops == &inotify_ops;
}

// LINUX-DIFF: max_user_instances counts every user's instances together.
__after_boot long
inotify_new(uint32_t flags, struct file **out)
{
    struct inotify *in;
    char *name;

    if (ninstances >= MAX_USER_INSTANCES)
        return -EMFILE;
    if (!(in = kzalloc(sizeof(*in))))
        return -ENOMEM;
    if (!(*out = anon_file_new(&inotify_ops, "inotify", O_RDONLY | (flags & O_NONBLOCK), in))) {
        kfree(in);
        return -ENOMEM;
    }
    if ((name = kstrdup("anon_inode:inotify"))) { // Linux names it without brackets
        kfree((*out)->path);
        (*out)->path = name;
    }
    (*out)->edges = &in->edges;
    in->next = instances;
    instances = in;
    ninstances++;
    return 0;
}
