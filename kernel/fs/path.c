// Path resolution (path_resolution(7)): component by component from the root
// or a starting directory, following symlinks (at most 40, then ELOOP) in
// every component but the last unless asked, with ENOTDIR, ENAMETOOLONG and
// the trailing-slash rule (a trailing "/" demands a directory).
#include "fs/vfs.h"
#include "fs/file.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

#define MAX_SYMLINKS 40

struct walk {
    int links;            // symlinks followed so far
    struct vnode *root;   // LOOKUP_BENEATH / LOOKUP_IN_ROOT: where the walk may not climb above
    // The component being looked up. One for the whole walk, not one per
    // nested walk of a link's target: each level is done with it once its
    // lookup is, and 40 levels of 256 bytes would not fit a 16 KiB stack.
    char name[NAME_MAX_LINUX + 1];
};

static long walk(struct walk *w, struct vnode *start, const char *path, unsigned flags,
                 struct vnode **out, struct path_parent *parent);

// The target of symlink VN into BUF.
long
vnode_readlink(struct vnode *vn, char *buf, size_t len)
{
    if (vn->dyn_link)
        return vn->dyn_link(vn, buf, len);
    if (!vn->link)
        return -EINVAL;
    if (strlcpy(buf, vn->link, len) >= len)
        return -ENAMETOOLONG;
    return 0;
}

// Replace *CUR (a symlink found in DIR) by what it points to.
static long
follow(struct walk *w, struct vnode *dir, struct vnode **cur, unsigned flags)
{
    char *target;
    struct vnode *res;
    long ret;

    if (++w->links > MAX_SYMLINKS || (flags & LOOKUP_NO_SYMLINKS))
        return -ELOOP;
    if ((*cur)->dyn_link && (flags & LOOKUP_NO_MAGICLINKS))
        return -ELOOP;
    if (!(target = kmalloc(PATH_MAX_LINUX)))
        return -ENOMEM;
    ret = vnode_readlink(*cur, target, PATH_MAX_LINUX);
    if (ret == 0)
        ret = walk(w, dir, target, flags | LOOKUP_FOLLOW, &res, NULL);
    kfree(target);
    if (ret < 0)
        return ret;
    vnode_put(*cur);
    *cur = res;
    return 0;
}

// Copy the component at *P into NAME and advance *P past it and its slashes.
static long
next_component(const char **p, char *name)
{
    const char *s = *p;
    size_t n = 0;

    while (s[n] && s[n] != '/')
        n++;
    if (n > NAME_MAX_LINUX)
        return -ENAMETOOLONG;
    memcpy(name, s, n);
    name[n] = 0;
    s += n;
    while (*s == '/')
        s++;
    *p = s;
    return 0;
}

// Where a walk of PATH begins: an absolute path starts at the root (the walk's
// own under LOOKUP_IN_ROOT, none at all under LOOKUP_BENEATH).
static long
walk_start(struct walk *w, struct vnode *start, const char *path, unsigned flags,
           struct vnode **out)
{
    if (path[0] != '/')
        *out = vnode_get(start);
    else if (flags & LOOKUP_BENEATH)
        return -EXDEV;
    else
        *out = vnode_get(w->root ? w->root : vfs_root);
    return 0;
}

// ".." from the walk's root: an escape under LOOKUP_BENEATH, the root again under IN_ROOT.
static long
check_dotdot(struct walk *w, struct vnode *cur, const char *name, unsigned flags, bool *stay)
{
    *stay = false;
    if (!w->root || cur != w->root || strcmp(name, ".."))
        return 0;
    if (flags & LOOKUP_BENEATH)
        return -EXDEV;
    *stay = true;
    return 0;
}

// NAME looked up in directory CUR, a symlink there followed when FOLLOW;
// *NEXT is referenced (CUR itself for ".." at an IN_ROOT walk's root).
static long
walk_step(struct walk *w, struct vnode *cur, const char *name, unsigned flags, bool follow_link,
          struct vnode **next)
{
    bool stay;
    long ret;

    if ((ret = check_dotdot(w, cur, name, flags, &stay)) < 0)
        return ret;
    if (stay) {
        *next = vnode_get(cur);
        return 0;
    }
    if ((ret = dir_lookup(cur, name, next)) < 0)
        return ret;
    if (vnode_is_link(*next) && follow_link && (ret = follow(w, cur, next, flags)) < 0) {
        vnode_put(*next);
        return ret;
    }
    return 0;
}

// The walk stops at DIR, the folder holding the last name LAST.
static long
stop_at_parent(struct path_parent *p, struct vnode *dir, const char *last, bool trailing_slash)
{
    p->dir = dir;
    strlcpy(p->last, last, sizeof(p->last));
    p->trailing_slash = trailing_slash;
    return 0;
}

// Resolve PATH from START into *OUT; with PARENT, stop at the folder that
// holds the last name and fill PARENT in instead.
static long
walk(struct walk *w, struct vnode *start, const char *path, unsigned flags, struct vnode **out,
     struct path_parent *parent)
{
    char *name = w->name;
    bool trailing_slash = path[0] && path[strlen(path) - 1] == '/';
    struct vnode *cur, *next;
    long ret;

    rootfs_build();
    if ((ret = walk_start(w, start, path, flags, &cur)) < 0)
        return ret;
    while (*path == '/')
        path++;
    while (*path) {
        if ((ret = next_component(&path, name)) < 0)
            goto fail;
        bool final = !*path;
        if (!vnode_is_dir(cur)) {
            ret = -ENOTDIR;
            goto fail;
        }
        if ((ret = vnode_permission(cur, MAY_EXEC)) < 0)    // search permission (may_lookup)
            goto fail;
        if (final && parent)
            return stop_at_parent(parent, cur, name, trailing_slash);
        ret = walk_step(w, cur, name, flags, !final || (flags & LOOKUP_FOLLOW) || trailing_slash,
                        &next);
        if (ret < 0)
            goto fail;
        vnode_put(cur);
        cur = next;
    }
    if (parent)   // the path named the root (or "."): there is no last component
        return stop_at_parent(parent, cur, ".", false);
    if (((flags & LOOKUP_DIRECTORY) || trailing_slash) && !vnode_is_dir(cur)) {
        ret = -ENOTDIR;
        goto fail;
    }
    *out = cur;
    return 0;
fail:
    vnode_put(cur);
    return ret;
}

// A walk of PATH from START; ROOT bounds it under LOOKUP_BENEATH and LOOKUP_IN_ROOT.
static long
walk_in(struct vnode *root, struct vnode *start, const char *path, unsigned flags,
        struct vnode **out, struct path_parent *parent)
{
    struct walk w = { .root = flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT) ? root : NULL };

    if (!path[0])
        return -ENOENT;
    return walk(&w, start, path, flags, out, parent);
}

long
path_lookup_in(struct vnode *root, struct vnode *start, const char *path, unsigned flags,
               struct vnode **out)
{
    return walk_in(root, start, path, flags, out, NULL);
}

long
path_parent_in(struct vnode *root, struct vnode *start, const char *path, unsigned flags,
               struct path_parent *out)
{
    return walk_in(root, start, path, flags, NULL, out);
}

long
path_lookup(struct vnode *start, const char *path, unsigned flags, struct vnode **out)
{
    return walk_in(start, start, path, flags, out, NULL);
}

struct vnode *
vfs_start_dir(int dirfd, const char *path, long *err)
{
    if (path[0] == '/')
        return vnode_get(vfs_root);
    return vfs_dirfd_vnode(dirfd, err);
}

struct vnode *
vfs_cwd(void)
{
    struct proc *p = current_proc();
    const char *pending = p->cwd_pending;
    struct vnode *vn;

    rootfs_build();
    if (pending) {
        p->cwd_pending = NULL;
        // LINUX-DIFF: a cwd missing from the image stays "/".
        if (path_lookup(vfs_root, pending, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &vn) == 0) {
            vnode_put(p->cwd_vn);
            p->cwd_vn = vn;
        }
    }
    return vnode_get(p->cwd_vn);
}

// The directory DIRFD names (the cwd for AT_FDCWD), referenced; NULL with *ERR set.
struct vnode *
vfs_dirfd_vnode(int dirfd, long *err)
{
    struct file *f;

    if (dirfd == AT_FDCWD)
        return vfs_cwd();
    if (!(f = fd_get_raw(dirfd))) {
        *err = -EBADF;
        return NULL;
    }
    if (!f->vn || !vnode_is_dir(f->vn)) {
        *err = -ENOTDIR;
        return NULL;
    }
    return vnode_get(f->vn);
}

// Make VN the current process's cwd, as chdir(2) checks it; takes VN's reference.
long
vfs_chdir(struct vnode *vn)
{
    struct proc *p = current_proc();
    long ret;

    if (!vnode_is_dir(vn))
        ret = -ENOTDIR;
    else if ((ret = vnode_permission(vn, MAY_EXEC)) == 0) {
        vnode_put(p->cwd_vn);
        p->cwd_vn = vnode_get(vn);
        p->cwd_pending = NULL;
    }
    vnode_put(vn);
    return ret;
}

// A walk of PATH from DIRFD (the cwd for AT_FDCWD, the root for an absolute path).
static long
walk_at(int dirfd, const char *path, unsigned flags, struct vnode **out, struct path_parent *parent)
{
    long err = 0, ret;
    struct vnode *start;

    if (!path[0])
        return -ENOENT;
    if (flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT))
        start = vfs_dirfd_vnode(dirfd, &err);   // the walk's root, even for "/..."
    else
        start = vfs_start_dir(dirfd, path, &err);
    if (!start)
        return err;
    ret = walk_in(start, start, path, flags, out, parent);
    vnode_put(start);
    return ret;
}

long
path_lookup_at(int dirfd, const char *path, unsigned flags, struct vnode **out)
{
    return walk_at(dirfd, path, flags, out, NULL);
}

long
path_parent_at(int dirfd, const char *path, unsigned flags, struct path_parent *out)
{
    return walk_at(dirfd, path, flags, NULL, out);
}

// Walk up through the parents of directory DIR, prepending each name.
long
vnode_path(struct vnode *dir, char *buf, size_t len)
{
    char *tmp = kmalloc(PATH_MAX_LINUX);
    size_t pos = PATH_MAX_LINUX - 1;

    if (!tmp)
        return -ENOMEM;
    tmp[pos] = 0;
    for (struct vnode *v = dir; v != vfs_root && v->parent; v = v->parent) {
        size_t n = strlen(v->name);
        if (pos < n + 1) {
            kfree(tmp);
            return -ENAMETOOLONG;
        }
        pos -= n;
        memcpy(tmp + pos, v->name, n);
        tmp[--pos] = '/';
    }
    if (pos == PATH_MAX_LINUX - 1)
        tmp[--pos] = '/';
    if (PATH_MAX_LINUX - pos > len) {
        kfree(tmp);
        return -ERANGE;
    }
    memcpy(buf, tmp + pos, PATH_MAX_LINUX - pos);
    kfree(tmp);
    return PATH_MAX_LINUX - pos;
}
