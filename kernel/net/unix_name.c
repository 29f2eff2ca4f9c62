// AF_UNIX names (unix(7) "Address format"): a path binds an S_IFSOCK node
// made through the VFS with the umask; an abstract name (a leading NUL)
// lives in one list for the VM; bind with only the family, or a send or
// connect with SO_PASSCRED, picks an abstract name of five hex digits.
#include "net/unix.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define SUN_PATH 2                   // offsetof(struct sockaddr_un, sun_path)

static struct unix_sock *abstract_names;
static uint32_t next_autobind = 0x1f3a;

long
unix_check_addr(const struct sockaddr_storage *a, uint32_t len)
{
    if (len <= SUN_PATH || len > UNIX_ADDR_MAX || a->ss_family != AF_UNIX)
        return -EINVAL;
    return 0;
}

// A path's name: up to its first NUL, as Linux's unix_mkname_bsd.
static void
path_of(const struct sockaddr_storage *a, uint32_t len, char *path)
{
    memcpy(path, (const char *)a + SUN_PATH, len - SUN_PATH);
    path[len - SUN_PATH] = 0;
}

// Abstract names are per socket type, as Linux hashes them with it.
static struct unix_sock *
find_abstract(const struct sockaddr_storage *a, uint32_t len, int type)
{
    for (struct unix_sock *u = abstract_names; u; u = u->abstract_next)
        if (u->addrlen == len && u->sk.type == type && !memcmp(&u->addr, a, len))
            return u;
    return NULL;
}

static void
name_abstract(struct unix_sock *u, const struct sockaddr_storage *a, uint32_t len)
{
    memcpy(&u->addr, a, len);
    u->addrlen = len;
    u->abstract_next = abstract_names;
    abstract_names = u;
}

long
unix_autobind(struct unix_sock *u)
{
    struct sockaddr_storage a = { .ss_family = AF_UNIX };
    char digits[8];

    if (u->addrlen)
        return 0;
    do {
        snprintf(digits, sizeof(digits), "%05x", next_autobind++ & 0xfffff);
        memcpy(a.ss_data + 1, digits, 5);
    } while (find_abstract(&a, SUN_PATH + 6, u->sk.type));
    name_abstract(u, &a, SUN_PATH + 6);
    return 0;
}

// Make the node first, as Linux does: a name in use is EADDRINUSE even for
// a socket already bound, which is EINVAL (and leaves no node).
static long
bind_path(struct unix_sock *u, const struct sockaddr_storage *a, uint32_t len)
{
    char path[UNIX_PATH_MAX + 1];
    struct path_parent p;
    struct vnode *vn;
    long ret;

    path_of(a, len, path);
    if ((ret = path_parent_at(AT_FDCWD, path, 0, &p)) < 0)
        return ret;
    ret = vfs_mknod(&p, S_IFSOCK | 0777, 0);
    if (ret == -EEXIST)
        ret = -EADDRINUSE;
    if (ret == 0 && u->addrlen) {
        vfs_remove(&p, false);
        ret = -EINVAL;
    }
    if (ret == 0 && (ret = dir_lookup(p.dir, p.last, &vn)) == 0) {
        vn->priv = u;
        u->vn = vn;
        u->addrlen = strlen(path) + SUN_PATH + 1;
        memcpy(&u->addr, a, u->addrlen);
        ((char *)&u->addr)[u->addrlen - 1] = 0;
    }
    vnode_put(p.dir);
    return ret;
}

long
unix_bind(struct file *f, const struct sockaddr_storage *a, uint32_t len)
{
    struct unix_sock *u = unix_sk(f);
    long ret;

    if (len == SUN_PATH && a->ss_family == AF_UNIX)
        return unix_autobind(u);
    if ((ret = unix_check_addr(a, len)) < 0)
        return ret;
    if (a->ss_data[0])
        return bind_path(u, a, len);
    if (u->addrlen)
        return -EINVAL;
    if (find_abstract(a, len, u->sk.type))
        return -EADDRINUSE;
    name_abstract(u, a, len);
    return 0;
}

// connect(2)'s checks on a path: search and write permission, then a
// socket node with a socket bound to it, of the same type.
static long
find_path(const struct sockaddr_storage *a, uint32_t len, struct unix_sock **out)
{
    char path[UNIX_PATH_MAX + 1];
    struct vnode *vn;
    long ret;

    path_of(a, len, path);
    if ((ret = path_lookup_at(AT_FDCWD, path, LOOKUP_FOLLOW, &vn)) < 0)
        return ret;
    if ((ret = vnode_permission(vn, MAY_WRITE)) == 0 && (!S_ISSOCK(vn->mode) || !vn->priv))
        ret = -ECONNREFUSED;
    if (ret == 0)
        *out = vn->priv;
    vnode_put(vn);
    return ret;
}

long
unix_find(const struct sockaddr_storage *a, uint32_t len, int type, struct unix_sock **out)
{
    struct unix_sock *u = NULL;
    long ret;

    if ((ret = unix_check_addr(a, len)) < 0)
        return ret;
    if (a->ss_data[0])
        ret = find_path(a, len, &u);
    else if (!(u = find_abstract(a, len, type)))
        ret = -ECONNREFUSED;
    if (ret < 0)
        return ret;
    if (u->dead)
        return -ECONNREFUSED;
    if (u->sk.type != type)
        return -EPROTOTYPE;
    *out = unix_get(u);
    return 0;
}

void
unix_unbind(struct unix_sock *u)
{
    struct unix_sock **pp = &abstract_names;

    while (*pp && *pp != u)
        pp = &(*pp)->abstract_next;
    if (*pp)
        *pp = u->abstract_next;
    if (u->vn) {
        if (u->vn->priv == u)
            u->vn->priv = NULL;
        vnode_put(u->vn);
        u->vn = NULL;
    }
}

long
unix_getname(struct file *f, bool peer, struct sockaddr_storage *a, uint32_t *len)
{
    struct unix_sock *u = unix_sk(f);

    if (peer && !(u = u->peer))
        return -ENOTCONN;
    a->ss_family = AF_UNIX;
    *len = SUN_PATH;
    if (u->addrlen) {
        memcpy(a, &u->addr, u->addrlen);
        *len = u->addrlen;
    }
    return 0;
}
