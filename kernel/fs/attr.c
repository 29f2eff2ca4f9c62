// Changing a node's attributes: its mode, owner and times, with Linux's rules
// for who may change what (setattr_prepare) and the set-ID bits each change
// drops.
#include "fs/vfs.h"
#include "fs/inotify.h"
#include <linux/inotify.h>
#include "sched/proc.h"
#include "sched/groups.h"
#include "drivers/clock.h"
#include <asm-generic/errno.h>
#include <linux/stat.h>
#include <linux/time_types.h>

// chmod(2): the owner or root; the set-group-ID bit goes when the caller is
// not in the file's group.
long
vfs_chmod(struct vnode *vn, uint32_t mode)
{
    struct creds *c = &current_proc()->creds;

    if (c->fsuid != 0 && c->fsuid != vn->uid)
        return -EPERM;
    vn->mode = (vn->mode & S_IFMT) | (mode & 07777);
    if (c->fsuid != 0 && !creds_in_group(c, vn->gid))
        vn->mode &= ~S_ISGID;
    vnode_changed(vn);
    fsnotify(vn, IN_ATTRIB);
    return 0;
}

// chown(2). Linux clears set-user-ID, and set-group-ID with group execute, on
// any chown of a non-directory, by root too and even when no id changes.
long
vfs_chown(struct vnode *vn, uint32_t uid, uint32_t gid)
{
    struct creds *c = &current_proc()->creds;
    bool owner = c->fsuid == vn->uid;

    // chown_ok, chgrp_ok: root; or the owner keeping the owner and giving
    // the file its group or one of the caller's.
    if (uid != (uint32_t)-1 && c->fsuid != 0 && !(owner && uid == vn->uid))
        return -EPERM;
    if (gid != (uint32_t)-1 && c->fsuid != 0 &&
        !(owner && (gid == vn->gid || creds_in_group(c, gid))))
        return -EPERM;
    if (uid != (uint32_t)-1)
        vn->uid = uid;
    if (gid != (uint32_t)-1)
        vn->gid = gid;
    if (!vnode_is_dir(vn) && !vnode_is_link(vn)) {
        vn->mode &= ~S_ISUID;
        if (vn->mode & S_IXGRP)
            vn->mode &= ~S_ISGID;
    }
    vnode_changed(vn);
    fsnotify(vn, IN_ATTRIB);
    return 0;
}

// Setting a given time needs the owner (EPERM); setting "now" the owner or
// write permission (EACCES), as setattr_prepare says.
static long
utimes_permission(struct vnode *vn, const struct __kernel_timespec ts[2])
{
    bool given = false, now = false;

    for (int i = 0; i < 2; i++) {
        given |= ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT;
        now |= ts[i].tv_nsec == UTIME_NOW;
    }
    if (vnode_owner_or_root(vn) || (!given && !now))
        return 0;
    return given ? -EPERM : vnode_permission(vn, MAY_WRITE);
}

// One time as utimensat(2) sets it: UTIME_NOW, UTIME_OMIT or the time given.
static void
set_time(struct vtime *t, const struct __kernel_timespec *ts)
{
    uint64_t now = clock_realtime_ns();

    if (ts->tv_nsec == UTIME_NOW)
        *t = (struct vtime){ now / 1000000000, now % 1000000000 };
    else if (ts->tv_nsec != UTIME_OMIT)
        *t = (struct vtime){ ts->tv_sec, ts->tv_nsec };
}

// utimensat(2) on VN: TS (atime, mtime) checked for range by the caller.
long
vfs_utimes(struct vnode *vn, const struct __kernel_timespec *ts)
{
    long ret = utimes_permission(vn, ts);

    if (ret == 0) {
        set_time(&vn->atime, &ts[0]);
        set_time(&vn->mtime, &ts[1]);
        vnode_changed(vn);
        fsnotify(vn, IN_ATTRIB);
    }
    return ret;
}
