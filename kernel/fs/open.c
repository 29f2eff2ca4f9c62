// Opening by name, as open(2) does once its flags are checked: the last
// name's symlinks followed (a dangling one names the file O_CREAT makes),
// the new file O_CREAT makes, may_open's checks, O_TRUNC, and the path the
// open file keeps for /proc/self/fd. O_TMPFILE files are made here too.
#include "fs/vfs.h"
#include "fs/file.h"
#include "fs/inotify.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>
#include <linux/stat.h>

#define MAX_SYMLINKS 40

// The absolute path of NAME in DIR, for /proc/self/fd; NULL when it cannot be made.
static char *
file_path(struct vnode *dir, const char *name)
{
    char *buf = kmalloc(PATH_MAX_LINUX);
    long n;

    if (!buf)
        return NULL;
    if ((n = vnode_path(dir, buf, PATH_MAX_LINUX)) < 0) {
        kfree(buf);
        return NULL;
    }
    if (strcmp(name, ".") && n + strlen(name) + 1 < PATH_MAX_LINUX) {
        if (n > 2)
            strlcpy(buf + n - 1, "/", 2), n++;
        strlcpy(buf + n - 1, name, PATH_MAX_LINUX - n + 1);
    }
    return buf;
}

struct vnode *
vfs_create_file(struct vnode *dir, const char *name, uint32_t mode)
{
    struct vnode *vn = vnode_new(S_IFREG | (mode & 07777 & ~current_proc()->umask));

    if (!vn)
        return NULL;
    vnode_init_owner(dir, vn);
    if (name && dir_link(dir, name, vn) < 0) {
        vnode_put(vn);
        return NULL;
    }
    if (name)
        fsnotify_name(dir, name, vn, IN_CREATE, 0);
    return vn;
}

// Move P to where the symlink VN (named P->last) points: its parent and last name.
static long
follow_last(struct vnode *root, struct path_parent *p, struct vnode *vn, unsigned lookup)
{
    struct path_parent next;
    char *target = kmalloc(PATH_MAX_LINUX);
    long ret;

    if (!target)
        return -ENOMEM;
    if ((ret = vnode_readlink(vn, target, PATH_MAX_LINUX)) == 0 &&
        (ret = path_parent_in(root, p->dir, target, lookup, &next)) == 0) {
        vnode_put(p->dir);
        p->dir = next.dir;
        strlcpy(p->last, next.last, sizeof(p->last));
    }
    kfree(target);
    return ret;
}

// Look P->last up in P->dir, following a symlink there as open(2) does: a
// dangling link names the file O_CREAT makes, so P moves to the link's target.
static long
open_last(struct vnode *root, struct path_parent *p, int flags, unsigned lookup, struct vnode **out)
{
    bool follow = !(flags & O_NOFOLLOW) || p->trailing_slash;
    struct vnode *vn = NULL;
    long ret;

    for (int links = 0;; links++) {
        if ((ret = dir_lookup(p->dir, p->last, &vn)) < 0 || !vnode_is_link(vn) || !follow ||
            (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
            break;
        if (links == MAX_SYMLINKS || (lookup & LOOKUP_NO_SYMLINKS) ||
            ((lookup & LOOKUP_NO_MAGICLINKS) && vn->dyn_link))
            ret = -ELOOP;
        else
            ret = follow_last(root, p, vn, lookup);
        vnode_put(vn);
        if (ret < 0)
            return ret;
    }
    if (ret == 0)
        *out = vn;
    return ret;
}

// Find or create the file for open(2): a referenced node in *OUT, P its
// folder and name (P->dir referenced too) on success.
static long
open_lookup(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup,
            struct vnode **out, struct path_parent *p)
{
    struct vnode *vn = NULL, *root = NULL;
    long err = 0, ret;

    if (lookup && !(root = vfs_dirfd_vnode(dirfd, &err)))
        return err;
    if ((ret = path_parent_at(dirfd, path, lookup, p)) < 0)
        goto out;
    if (p->trailing_slash && (flags & O_CREAT)) {
        vnode_put(p->dir);
        ret = -EISDIR;                        // "name/" cannot be created as a file
        goto out;
    }
    ret = open_last(root, p, flags, lookup, &vn);
    if (ret == -ENOENT && (flags & O_CREAT)) {
        if ((ret = mount_check_create(p->dir, -EACCES)) == 0 && (ret = vfs_may_create(p->dir)) == 0)
            ret = (vn = vfs_create_file(p->dir, p->last, mode)) ? 0 : -ENOMEM;
    } else if (ret == 0 && (flags & O_CREAT) && (flags & O_EXCL)) {
        vnode_put(vn);
        ret = -EEXIST;
    }
    if (ret < 0)
        vnode_put(p->dir);
    else
        *out = vn;
out:
    if (root)
        vnode_put(root);
    return ret;
}

// The checks of an open after lookup, in Linux's order (do_open, may_open).
static long
check_open(struct vnode *vn, int flags, const char *path)
{
    int acc = flags & O_ACCMODE;

    if ((flags & O_DIRECTORY) && !vnode_is_dir(vn))
        return -ENOTDIR;
    if (path[strlen(path) - 1] == '/' && !vnode_is_dir(vn))
        return -ENOTDIR;
    if (flags & O_PATH)
        return 0;
    if (vnode_is_link(vn))
        return -ELOOP;                         // O_NOFOLLOW on a symlink
    if (vnode_is_dir(vn) && (acc != O_RDONLY || (flags & O_CREAT)))
        return -EISDIR;
    return vnode_permission(vn, (acc != O_WRONLY ? MAY_READ : 0) |
                                    (acc != O_RDONLY ? MAY_WRITE : 0) |
                                    (flags & O_TRUNC ? MAY_WRITE : 0));
}

long
vfs_open_path(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup,
              struct file **out)
{
    struct path_parent p;
    struct vnode *vn = NULL;
    long ret = open_lookup(dirfd, path, flags, mode, lookup, &vn, &p);

    if (ret < 0)
        return ret;
    // O_TRUNC truncates even with O_RDONLY, as on Linux (check_open asked for
    // write permission), once open: inotify hears IN_OPEN, then IN_MODIFY.
    if ((ret = check_open(vn, flags, path)) == 0 &&
        (ret = vfs_open_vnode(vn, flags & ~O_CLOEXEC, out)) == 0) {
        (*out)->path = vnode_is_dir(vn) ? file_path(vn, ".") : file_path(p.dir, p.last);
        if ((flags & O_TRUNC) && vnode_is_reg(vn) && !(flags & O_PATH))
            vnode_truncate(vn, 0);  // cannot fail: size 0 is in range
    }
    vnode_put(vn);
    vnode_put(p.dir);
    return ret;
}

// O_TMPFILE: an unnamed regular file in the folder PATH, which
// linkat(AT_EMPTY_PATH) may name later unless O_EXCL was given.
long
vfs_open_tmpfile(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup,
                 struct file **out)
{
    char name[32];
    struct vnode *dir, *vn;
    long ret = path_lookup_at(dirfd, path, lookup | LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);

    if (ret < 0)
        return ret;
    if ((ret = vfs_may_create(dir)) < 0)
        goto out;
    if (!(vn = vfs_create_file(dir, NULL, mode))) {
        ret = -ENOMEM;
        goto out;
    }
    vn->linkable = !(flags & O_EXCL);
    ret = vfs_open_vnode(vn, flags & ~(O_CLOEXEC | __O_TMPFILE | O_DIRECTORY | O_CREAT | O_EXCL),
                         out);
    if (ret == 0) {
        snprintf(name, sizeof(name), "#%lu", vn->ino); // as Linux names it in /proc
        (*out)->path = file_path(dir, name);
    }
    vnode_put(vn);
out:
    vnode_put(dir);
    return ret;
}
