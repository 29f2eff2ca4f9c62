// Who may do what to a node: the permission bits checked for the caller's
// filesystem ids, and Linux's rules built on them for folders (sticky bit),
// hard links (fs.protected_hardlinks) and the owner of a new node.
#include "fs/vfs.h"
#include "sched/proc.h"
#include "sched/groups.h"
#include <asm-generic/errno.h>
#include <linux/stat.h>

// May UID/GID, with the caller's supplementary groups, access VN for MASK
// (MAY_READ, MAY_WRITE, MAY_EXEC)? Root may, except executing a
// non-directory with no execute bit at all.
long
vnode_permission_as(struct vnode *vn, int mask, uint32_t uid, uint32_t gid)
{
    uint32_t bits;

    mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
    if (uid == 0)
        return (mask & MAY_EXEC) && !vnode_is_dir(vn) && !(vn->mode & 0111) ? -EACCES : 0;
    if (uid == vn->uid)
        bits = vn->mode >> 6;
    else if (gid == vn->gid || creds_in_group(&current_proc()->creds, vn->gid))
        bits = vn->mode >> 3;
    else
        bits = vn->mode;
    return (bits & mask) == (uint32_t)mask ? 0 : -EACCES;
}

// The same for the caller's filesystem ids, as every path and file call checks.
long
vnode_permission(struct vnode *vn, int mask)
{
    struct creds *c = &current_proc()->creds;

    return vnode_permission_as(vn, mask, c->fsuid, c->fsgid);
}

// Is the caller VN's owner or root (CAP_FOWNER)?
bool
vnode_owner_or_root(struct vnode *vn)
{
    uint32_t fsuid = current_proc()->creds.fsuid;

    return fsuid == 0 || fsuid == vn->uid;
}

// May the caller make a name in DIR (may_create)? Write and search on it.
long
vfs_may_create(struct vnode *dir)
{
    return vnode_permission(dir, MAY_WRITE | MAY_EXEC);
}

// May the caller remove the name of VICTIM from DIR (may_delete)? Write and
// search on DIR, then the sticky bit: only the file's or the folder's owner.
long
vfs_may_delete(struct vnode *dir, struct vnode *victim)
{
    long ret = vfs_may_create(dir);

    if (ret == 0 && (dir->mode & S_ISVTX) && !vnode_owner_or_root(victim) &&
        !vnode_owner_or_root(dir))
        ret = -EPERM;
    return ret;
}

// fs.protected_hardlinks (on in Debian): only the owner or root may link a
// file that is not a plain regular file the caller can read and write.
long
vfs_may_link(struct vnode *vn)
{
    bool safe = vnode_is_reg(vn) && !(vn->mode & S_ISUID) &&
                (vn->mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) &&
                vnode_permission(vn, MAY_READ | MAY_WRITE) == 0;

    return safe || vnode_owner_or_root(vn) ? 0 : -EPERM;
}

// A new node's owner (inode_init_owner): the caller's fs ids, but the
// group of a set-group-ID folder DIR, whose subfolders inherit the bit too.
void
vnode_init_owner(struct vnode *dir, struct vnode *vn)
{
    struct creds *c = &current_proc()->creds;

    vn->uid = c->fsuid;
    vn->gid = c->fsgid;
    if (!dir || !(dir->mode & S_ISGID))
        return;
    vn->gid = dir->gid;
    if (vnode_is_dir(vn))
        vn->mode |= S_ISGID;
    else if ((vn->mode & S_IXGRP) && c->fsuid != 0 && !creds_in_group(c, vn->gid))
        vn->mode &= ~S_ISGID;
}
