// Anonymous files (anon.h): an open file with a name for /proc/self/fd and
// the one fstat answer they all share.
#include "fs/anon.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>

#define ANON_DEV 0xe        // Linux's anon_inodefs is usually the 14th unnamed device
#define ANON_INO 1

__after_boot struct file *
anon_file_new(const struct file_ops *ops, const char *name, uint32_t flags, void *priv)
{
    struct file *f = kzalloc(sizeof(*f));
    size_t len = strlen(name) + sizeof("anon_inode:[]");

    if (!f || !(f->path = kmalloc(len))) {
        kfree(f);
        return NULL;
    }
    snprintf(f->path, len, "anon_inode:[%s]", name);
    f->ops = ops;
    f->refs = 1;
    f->flags = flags;
    f->priv = priv;
    return f;
}

__after_boot long
anon_file_install(struct file *f, bool cloexec)
{
    int fd = fd_install(-1, f, cloexec);

    if (fd < 0)
        file_put(f);
    return fd;
}

__after_boot long
anon_stat(struct file *f, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = ANON_DEV;
    st->st_ino = ANON_INO;
    st->st_mode = 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}
