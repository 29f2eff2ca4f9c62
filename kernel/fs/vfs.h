// The file tree. One in-memory filesystem holds everything: the initramfs's
// files (read in place until first written), /tmp, and the synthetic nodes of
// /dev and /proc, whose opens are served by their own file operations.
#pragma once
#include "types.h"

struct file;
struct file_ops;
struct inotify_watch;
struct stat;

struct vtime {
    int64_t sec, nsec;
};

struct dirent_node {
    char *name;
    uint32_t hash;                 // of name, odd; 0 until the directory has a table (dir.c)
    uint32_t seq;                  // the directory's link count when linked: the listing position
    struct vnode *vn;
    struct dirent_node *next, *prev;   // creation order
    struct dirent_node *hash_next;     // the same bucket
};

struct vnode {
    uint64_t ino;
    uint32_t mode;                 // S_IFMT | permission bits
    uint32_t nlink, uid, gid;
    uint64_t rdev;
    uint64_t size;
    struct vtime atime, mtime, ctime;
    int refs;                      // open files, mappings, cwd, lookups in progress
    bool linkable;                 // an O_TMPFILE file linkat may name (no O_EXCL)
    struct file_lock *locks;       // advisory locks (fs/lock.h), sorted by start
    int writers;                   // open files that may write it: execve says ETXTBSY
    int exec_users;                // address spaces running it: opening it to write says ETXTBSY

    // Directories: children in creation order, so listings are stable, and
    // once there are many a hash table of them; name and parent for getcwd and "..".
    struct dirent_node *children, *last_child;
    struct dirent_node **buckets;   // NULL while the directory is small
    uint32_t nchildren, nbuckets, next_seq;
    struct dirent_node *cursor;     // the entry dir_entry returned last, so listing is linear
    struct vnode *parent;
    char *name;
    // Filled in on first use (/dev, /proc, /sys), so boot does not pay for them.
    void (*populate)(struct vnode *dir);
    // Dynamic directories (/proc/self/fd): listed and searched by callbacks.
    long (*dyn_lookup)(struct vnode *dir, const char *name, struct vnode **out);
    // The first entry numbered *INDEX or more; *INDEX becomes its number.
    long (*dyn_list)(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type);

    // Symbolic links.
    char *link;

    // Regular files: pages[i] is the physical page of bytes [i*4K, i*4K+4K), 0 when
    // not yet materialised; such bytes come from ro_data below ro_len, else zeros.
    const char *ro_data;
    uint64_t ro_len;
    uint64_t *pages;
    uint64_t npages;               // capacity of pages[]

    // Device and synthetic nodes: what an open file of this node does.
    const struct file_ops *fops;
    // Synthetic files generate their whole content at open (procfs).
    long (*generate)(struct vnode *vn, char **buf, size_t *len);
    // ... and may take a write (/proc/self/task/TID/comm); NULL: EACCES.
    long (*store)(struct vnode *vn, const char *buf, size_t len);
    // Symlinks computed at lookup (/proc/self/exe).
    long (*dyn_link)(struct vnode *vn, char *buf, size_t len);
    void *priv;
    struct inotify_watch *watches; // inotify(7) watches on this node (fs/inotify.c)
};

extern struct vnode *vfs_root;

// Nodes.
struct vnode *vnode_new(uint32_t mode);
struct vnode *vnode_get(struct vnode *vn);
void vnode_put(struct vnode *vn);
bool vnode_is_dir(const struct vnode *vn);
bool vnode_is_reg(const struct vnode *vn);
bool vnode_is_link(const struct vnode *vn);
void vnode_touch(struct vnode *vn, bool modify);   // atime, or mtime+ctime
void vnode_changed(struct vnode *vn);              // ctime
void vnode_stat(struct vnode *vn, struct stat *st);

// Permissions (perm.c). Masks are Linux's MAY_* bits, as access(2)'s R_OK,
// W_OK and X_OK are.
#define MAY_EXEC  1        // execute a file, search a folder
#define MAY_WRITE 2
#define MAY_READ  4
long vnode_permission(struct vnode *vn, int mask);   // 0 or -EACCES for the fs ids
long vnode_permission_as(struct vnode *vn, int mask, uint32_t uid, uint32_t gid);
bool vnode_owner_or_root(struct vnode *vn);
long vfs_may_create(struct vnode *dir);                        // write and search on DIR
long vfs_may_delete(struct vnode *dir, struct vnode *victim);  // and the sticky bit
long vfs_may_link(struct vnode *vn);                           // fs.protected_hardlinks
void vnode_init_owner(struct vnode *dir, struct vnode *vn);    // a new node's uid, gid, setgid

// Attributes (attr.c), with setattr's rules for who may change what.
// utimensat's special tv_nsec values (include/linux/stat.h, not in the UAPI).
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
struct __kernel_timespec;
long vfs_chmod(struct vnode *vn, uint32_t mode);
long vfs_chown(struct vnode *vn, uint32_t uid, uint32_t gid);   // (uint32_t)-1 keeps one
long vfs_utimes(struct vnode *vn, const struct __kernel_timespec *ts); // ts[0] atime, ts[1] mtime

// Where Linux would have mounts (mount.c): /dev, /proc and /sys are
// filesystems of their own, for EXDEV and for what they refuse.
enum vfs_mount { MOUNT_ROOT, MOUNT_DEV, MOUNT_PROC, MOUNT_SYS, MOUNT_NONE = -1 };
enum vfs_mount mount_of(struct vnode *dir);
enum vfs_mount mount_of_unnamed(struct vnode *vn); // a file known only by a descriptor
long mount_check_create(struct vnode *dir, long sysfs_err); // /proc, /sys refuse new names
long mount_check_remove(struct vnode *dir); // and removals

// Directories.
long dir_lookup(struct vnode *dir, const char *name, struct vnode **out); // referenced
long dir_link(struct vnode *dir, const char *name, struct vnode *vn); // adds a name
long dir_unlink(struct vnode *dir, const char *name);
bool dir_is_empty(struct vnode *dir);
const char *dir_name_of(struct vnode *dir, struct vnode *vn); // a name of VN in DIR, or NULL
// Entry INDEX (0 and 1 are "." and ".."); 0, or -ENOENT past the end.
// The entry at listing position *POS or the first after it, and in *POS the
// position after it (a getdents offset). Positions stay valid when entries
// come and go: 0 and 1 are "." and "..", then one per entry ever linked.
long dir_entry(struct vnode *dir, uint64_t *pos, char *name, size_t len, uint64_t *ino,
               uint32_t *type);
struct vnode *dir_mkdir(struct vnode *dir, const char *name, uint32_t mode); // NULL on failure

// Regular file contents. Files end at ext4's s_maxbytes with 4 KiB blocks
// (16 TiB - 4 KiB), the limit programs see on a Debian root filesystem:
// writes stop there (EFBIG), lseek past it is EINVAL, truncate EFBIG.
#define VFS_MAX_FILE_SIZE 0xffffffff000ull
ssize_t vnode_read(struct vnode *vn, void *buf, size_t n, uint64_t off);
ssize_t vnode_write(struct vnode *vn, const void *buf, size_t n, uint64_t off);
long vnode_truncate(struct vnode *vn, uint64_t size);
long vnode_allocate(struct vnode *vn, uint64_t off, uint64_t len, bool keep_size); // fallocate
long vnode_punch_hole(struct vnode *vn, uint64_t off, uint64_t len); // FALLOC_FL_PUNCH_HOLE
uint64_t vnode_seek_data(struct vnode *vn, uint64_t off, bool hole); // size when none
uint64_t vnode_page(struct vnode *vn, uint64_t index); // materialise; phys, 0 on ENOMEM
void vnode_read_page(struct vnode *vn, uint64_t index, void *dst); // 4 KiB, zeros past EOF
// Bytes [OFF, OFF+LEN) where they lie in the initramfs, for a file no write has
// touched (no page of its own yet); NULL otherwise, or past the archive's bytes.
const void *vnode_bytes(const struct vnode *vn, uint64_t off, uint64_t len);

// Paths. Flags for path_lookup and path_parent:
#define LOOKUP_FOLLOW        0x1 // follow a symlink in the last component
#define LOOKUP_DIRECTORY     0x2 // the result must be a directory
#define LOOKUP_NO_SYMLINKS   0x8 // openat2's RESOLVE_*: any symlink to follow is ELOOP
#define LOOKUP_NO_MAGICLINKS 0x10 // /proc links (dyn_link) are ELOOP
#define LOOKUP_BENEATH       0x20 // never above the start: "/" or escaping ".." is EXDEV
#define LOOKUP_IN_ROOT       0x40 // the start is "/" for this walk
#define NAME_MAX_LINUX       255
#define PATH_MAX_LINUX       4096

struct vnode *vfs_start_dir(int dirfd, const char *path, long *err); // referenced
struct vnode *vfs_dirfd_vnode(int dirfd, long *err); // referenced
long vnode_readlink(struct vnode *vn, char *buf, size_t len); // a symlink's target
long path_lookup(struct vnode *start, const char *path, unsigned flags, struct vnode **out);
// ROOT bounds LOOKUP_BENEATH and LOOKUP_IN_ROOT walks (path_lookup uses START).
long path_lookup_in(struct vnode *root, struct vnode *start, const char *path, unsigned flags,
                    struct vnode **out);
long path_lookup_at(int dirfd, const char *path, unsigned flags, struct vnode **out);
// The folder holding a path's last name, for the calls that make, remove or
// rename that name: the walk stops there (Linux's LOOKUP_PARENT).
struct path_parent {
    struct vnode *dir; // referenced
    char last[NAME_MAX_LINUX + 1]; // "." when the path is "/" or "."
    bool trailing_slash; // written "last/": it must be a folder
};
long path_parent_in(struct vnode *root, struct vnode *start, const char *path, unsigned flags,
                    struct path_parent *out);
long path_parent_at(int dirfd, const char *path, unsigned flags, struct path_parent *out);
long vnode_path(struct vnode *dir, char *buf, size_t len); // absolute path of a directory
long vfs_chdir(struct vnode *vn); // make VN the cwd (ENOTDIR, EACCES); takes the reference

// Opening by name (open.c): FLAGS already checked and cut to what open(2)
// keeps; LOOKUP is openat2's RESOLVE_* as LOOKUP_* flags. *OUT is a new open
// file that keeps its path for /proc/self/fd.
long vfs_open_path(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup,
                   struct file **out);
long vfs_open_tmpfile(int dirfd, const char *path, int flags, uint32_t mode, unsigned lookup,
                      struct file **out); // O_TMPFILE: unnamed, in the folder PATH
// A new regular file of MODE (the umask applied) owned as Linux owns new
// files, named NAME in DIR when NAME is given (DIR may be NULL without one).
struct vnode *vfs_create_file(struct vnode *dir, const char *name, uint32_t mode);

// Making and removing names (names.c, rename.c), each with Linux's checks in
// Linux's order once the parent is found.
long vfs_mkdir(struct path_parent *p, uint32_t mode);
long vfs_mknod(struct path_parent *p, uint32_t mode, unsigned int dev); // mode's kind checked
long vfs_symlink(struct path_parent *p, char *target); // takes TARGET (kmalloc'd), always
// Give VN (from SRC_MOUNT) the name P; linkat(2).
long vfs_link(struct vnode *vn, enum vfs_mount src_mount, struct path_parent *p);
long vfs_remove(struct path_parent *p, bool want_dir); // rmdir when WANT_DIR, else unlink
long vfs_rename(struct path_parent *from, struct path_parent *to, unsigned int flags);

// Opening.
long vfs_open_vnode(struct vnode *vn, uint32_t flags, struct file **out);
struct vnode *file_vnode(struct file *f); // NULL for files without one (console, pipes)

void vfs_init(void); // the root, whose tree is built on first use
void rootfs_build(void); // build the tree from the initramfs now, if not yet built
// The program as a node, from where its bytes are in the archive (SIZE bytes
// at OFFSET) and its MODE, without building the tree (referenced); NULL when
// that is not a regular file inside the archive: then walk its path.
struct vnode *rootfs_program_node(uint64_t offset, uint64_t size, uint32_t mode);
// The current process's cwd, referenced (the tree built first: a cwd is a name).
struct vnode *vfs_cwd(void);
void dir_populate(struct vnode *dir); // run a lazily filled directory's populate callback
void devfs_init(struct vnode *dev);
const struct file_ops *devfs_ops_for(uint64_t rdev); // a character device's, or NULL
void procfs_init(struct vnode *proc);
void proc_net_init(struct vnode *proc);   // /proc/net (net/proc_net.c)
void sysfs_init(struct vnode *sys);
