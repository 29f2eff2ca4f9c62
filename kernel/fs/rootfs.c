// Builds the file tree from the initramfs: every entry becomes a node (files
// keep pointing into the archive), then the kernel's own /dev, /proc, /sys
// and a /tmp are added where the archive has none; the first three are
// filled in when first looked at. Nodes keep the archive's mode, owner and
// mtime: building the tree does not count as modifying its folders. Regular
// files whose entries share an inode number (nlink > 1) become one node with
// several names; the entry that has data gives the contents.
//
// The tree is built when the program first names a file (a path walk, or its
// cwd), not at boot: a program that never does, like a static hello, never
// pays for it, and under TCG building it is a fifth of the boot's code. The
// program's node is made from where the manifest says its bytes are in the
// archive (rootfs_program_node), and the tree adopts that node when it is
// built: its entry is the one whose data is at the same place.
#include "fs/vfs.h"
#include "fs/initramfs.h"
#include "mm/heap.h"
#include "mm/oom.h"
#include "lib/string.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/stat.h>

struct vnode *vfs_root;

// The program's node, made before the tree: the archive data it came from, so
// add_entry knows the entry when the tree is built.
static struct {
    const void *data;
    struct vnode *vn;       // referenced until the tree adopts it
} early_program;

// A hard-linked file seen during boot: the archive's inode number and its node.
struct boot_link {
    uint32_t ino;
    struct vnode *vn;       // named by a directory, so alive until boot ends
    struct boot_link *next;
};

// dir_mkdir without touching DIR's times: the archive's mtime for it stands.
static struct vnode *
mkdir_at_boot(struct vnode *dir, const char *name, uint32_t mode)
{
    struct vtime mtime = dir->mtime, ctime = dir->ctime;
    struct vnode *vn = dir_mkdir(dir, name, mode);

    dir->mtime = mtime, dir->ctime = ctime;
    return vn;
}

// dir_link without touching DIR's times.
static long
link_at_boot(struct vnode *dir, const char *name, struct vnode *vn)
{
    struct vtime mtime = dir->mtime, ctime = dir->ctime;
    long ret = dir_link(dir, name, vn);

    dir->mtime = mtime, dir->ctime = ctime;
    return ret;
}

// The folder of the previous entry: archives list a folder's entries together,
// so most entries skip the walk from the root.
static struct {
    char path[PATH_MAX_LINUX];
    size_t len;
    struct vnode *dir;          // named by its parent, so alive while boot runs
} last_parent;

// The directory that will hold NAME (LEN bytes, a path relative to the root),
// made as needed; *LAST points at NAME's last component.
static struct vnode *
parent_of(const char *name, size_t name_len, const char **last)
{
    struct vnode *dir = vfs_root, *next;
    const char *p = name, *slash, *base = name + name_len;
    size_t len;

    while (base > name && base[-1] != '/')   // from the end: names are short, paths long
        base--;
    *last = base;
    len = base > name ? (size_t)(base - name - 1) : 0;
    if (last_parent.dir && len == last_parent.len && !memcmp(name, last_parent.path, len))
        return last_parent.dir;
    while ((slash = strchr(p, '/'))) {
        char comp[NAME_MAX_LINUX + 1];
        size_t n = MIN((size_t)(slash - p), sizeof(comp) - 1);
        memcpy(comp, p, n);
        comp[n] = 0;
        if (dir_lookup(dir, comp, &next) == 0) {
            vnode_put(next);
            dir = next;
        } else if (!(dir = mkdir_at_boot(dir, comp, 0755))) {
            return NULL;
        }
        p = slash + 1;
    }
    if (len < sizeof(last_parent.path)) {
        memcpy(last_parent.path, name, len);
        last_parent.len = len;
        last_parent.dir = dir;
    }
    return dir;
}

static void
apply_attrs(struct vnode *vn, const struct initramfs_entry *e)
{
    vn->mode = (vn->mode & S_IFMT) | (e->mode & 07777);
    vn->uid = e->uid;
    vn->gid = e->gid;
    vn->mtime.sec = vn->ctime.sec = vn->atime.sec = e->mtime;
    vn->mtime.nsec = vn->ctime.nsec = vn->atime.nsec = 0;
}

static void
set_contents(struct vnode *vn, const struct initramfs_entry *e)
{
    vn->ro_data = e->data;
    vn->ro_len = vn->size = e->size;
}

static struct vnode *
make_node(const struct initramfs_entry *e)
{
    struct vnode *vn = vnode_new(e->mode);

    if (!vn)
        return NULL;
    if (S_ISREG(e->mode)) {
        set_contents(vn, e);
    } else if (S_ISLNK(e->mode)) {
        vn->link = kmalloc(e->size + 1);
        if (vn->link) {
            memcpy(vn->link, e->data, e->size);
            vn->link[e->size] = 0;
        }
        vn->size = e->size;
    }
    return vn;
}

// The node of a hard-linked file E, already named or new (then remembered in LINKS).
static struct vnode *
hard_link_node(const struct initramfs_entry *e, struct boot_link **links)
{
    struct boot_link *l;
    struct vnode *vn;

    for (l = *links; l; l = l->next) {
        if (l->ino == e->ino) {
            if (e->size)
                set_contents(l->vn, e);
            return vnode_get(l->vn);
        }
    }
    if (!(vn = make_node(e)) || !(l = kmalloc(sizeof(*l))))
        return NULL;
    *l = (struct boot_link){ e->ino, vn, *links };
    *links = l;
    return vn;
}

// The tree could not be built for want of memory: like a page fault that
// finds no page, that kills the process that needed it (the VM's program,
// which names the first file), as Linux's OOM killer would, not the kernel.
// The tree stays as far as it got; false stops the walk of the archive.
static bool building_failed;

static bool
tree_out_of_memory(const char *name)
{
    klog("rootfs: out of memory building the file tree, at %s", name);
    building_failed = true;
    oom_kill_current(0);
    return false;
}

static bool
add_entry(const struct initramfs_entry *e, void *arg)
{
    const char *name = e->name, *last;
    struct vnode *dir, *vn, *existing;
    struct boot_link **links = arg;

    if (e->name_len == 0 || !strcmp(e->name, ".")) {    // the root itself
        if (S_ISDIR(e->mode))
            apply_attrs(vfs_root, e);
        return true;
    }
    if (e->name_len >= PATH_MAX_LINUX)
        return true;
    if (!(dir = parent_of(name, e->name_len, &last)))
        return tree_out_of_memory(name);
    if (name + e->name_len - last > NAME_MAX_LINUX)
        return true;                                   // no Linux file has such a name
    if (dir_lookup(dir, last, &existing) == 0) {     // a folder made earlier as a parent
        if (S_ISDIR(e->mode) && vnode_is_dir(existing))
            apply_attrs(existing, e);
        vnode_put(existing);
        return true;
    }
    if (S_ISDIR(e->mode)) {
        if ((vn = mkdir_at_boot(dir, last, e->mode)))
            apply_attrs(vn, e);
        return true;
    }
    if (early_program.vn && e->data == early_program.data) {
        vn = early_program.vn;          // our reference becomes the tree's
        early_program.vn = NULL;
    } else {
        vn = S_ISREG(e->mode) && e->nlink > 1 ? hard_link_node(e, links) : make_node(e);
    }
    if (!vn)
        return tree_out_of_memory(name);
    apply_attrs(vn, e);
    link_at_boot(dir, last, vn);
    vnode_put(vn);
    return true;
}

// A directory under the root, whether or not the archive had one; with
// POPULATE to fill it when first looked at. False when out of memory.
static bool
ensure_dir(const char *name, uint32_t mode, void (*populate)(struct vnode *))
{
    struct vnode *vn;

    if (dir_lookup(vfs_root, name, &vn) == 0)
        vnode_put(vn);
    else if (!(vn = mkdir_at_boot(vfs_root, name, mode)))
        return tree_out_of_memory(name);
    if (populate)
        vn->populate = populate;
    return true;
}

// The kernel's own folders, added where the archive has none.
static const struct {
    const char *name;
    uint32_t mode;
    void (*populate)(struct vnode *dir);
} kernel_dirs[] = {
    { "tmp", 01777, NULL },
    { "dev", 0755, devfs_init },
    { "proc", 0555, procfs_init },
    { "sys", 0555, sysfs_init },
};

static void
build_tree(struct vnode *root)
{
    struct boot_link *links = NULL;

    initramfs_each(add_entry, &links);
    while (links) {
        struct boot_link *next = links->next;
        kfree(links);
        links = next;
    }
    for (size_t i = 0; i < ARRAY_SIZE(kernel_dirs) && !building_failed; i++)
        ensure_dir(kernel_dirs[i].name, kernel_dirs[i].mode, kernel_dirs[i].populate);
}

void
vfs_init(void)
{
    if (!(vfs_root = vnode_new(S_IFDIR | 0755)))
        panic("rootfs: out of memory");
    vfs_root->nlink = 2;
    vfs_root->populate = build_tree;
}

void
rootfs_build(void)
{
    dir_populate(vfs_root);
}

struct vnode *
rootfs_program_node(uint64_t offset, uint64_t size, uint32_t mode)
{
    const void *data = initramfs_data(offset, size);
    struct vnode *vn;

    // Only before the tree is built (then the path leads to the node). One
    // test, not five: each branch is a translation block at boot.
    if (!data | !size | !S_ISREG(mode) | !vfs_root->populate | (early_program.vn != NULL))
        return NULL;
    if (!(vn = vnode_new(mode)))      // owner and times come when the tree adopts it
        return NULL;
    vn->ro_data = data;
    vn->ro_len = vn->size = size;
    early_program.vn = vn;
    early_program.data = data;
    return vnode_get(vn);
}
