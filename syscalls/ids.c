// User and group ids. The program starts with the ids of the manifest
// (pkgload run --user; root by default, as in a container).
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "sched/groups.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>

static struct creds *
creds(void)
{
    return &current_proc()->creds;
}
static bool
is_root(void)
{
    return creds()->euid == 0;
}

long
sys_getuid(void)
{
    return creds()->ruid;
}

long
sys_geteuid(void)
{
    return creds()->euid;
}

long
sys_getgid(void)
{
    return creds()->rgid;
}

long
sys_getegid(void)
{
    return creds()->egid;
}

// Copy one kind of id (real, effective, saved) to the program.
static long
get_res(const uint32_t *r, const uint32_t *e, const uint32_t *s, uint32_t __user *ur,
        uint32_t __user *ue, uint32_t __user *us)
{
    if (copy_to_user(ur, r, 4) < 0 || copy_to_user(ue, e, 4) < 0 || copy_to_user(us, s, 4) < 0)
        return -EFAULT;
    return 0;
}

long
sys_getresuid(uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
    struct creds *c = creds();
    return get_res(&c->ruid, &c->euid, &c->suid, r, e, s);
}

long
sys_getresgid(uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
    struct creds *c = creds();
    return get_res(&c->rgid, &c->egid, &c->sgid, r, e, s);
}

long
sys_getgroups(int size, uint32_t __user *list)
{
    struct group_set *g = creds()->groups;
    int count = g ? g->count : 0;

    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return count;
    if (size < count)
        return -EINVAL;
    if (count && copy_to_user(list, g->gids, (size_t)count * sizeof(uint32_t)) < 0)
        return -EFAULT;
    return count;
}

// setgroups(2): CAP_SETGID first, then the size, then the list, as Linux.
long
sys_setgroups(int size, const uint32_t __user *list)
{
    struct group_set *g = NULL;
    uint32_t *gids;

    if (!is_root())
        return -EPERM;
    if ((unsigned int)size > NGROUPS_MAX)
        return -EINVAL;
    if (size == 0)
        goto install;
    if (!(gids = kmalloc((size_t)size * sizeof(uint32_t))))
        return -ENOMEM;
    for (int i = 0; i < size; i++) {       // element by element: Linux's errno order
        long err = copy_from_user(&gids[i], &list[i], sizeof(uint32_t)) < 0 ? -EFAULT
                   : gids[i] == (uint32_t)-1                                ? -EINVAL
                                             : 0;     // (gid_t)-1: no kgid
        if (err) {
            kfree(gids);
            return err;
        }
    }
    g = groups_new(gids, size);
    kfree(gids);
    if (!g)
        return -ENOMEM;
install:
    groups_put(creds()->groups);
    creds()->groups = g;
    return 0;
}

// May the caller switch an id to ID? Root may; others only to one of their own.
static bool
may_set(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
    return is_root() || id == r || id == e || id == s;
}

#define KEEP ((uint32_t)-1)

// setres[ug]id for one kind of id: each of WANT (real, effective, saved) that
// is not -1 replaces *SLOT; the filesystem id follows the effective one.
static long
set_res(uint32_t *slot[3], uint32_t *fs, const uint32_t want[3])
{
    for (int i = 0; i < 3; i++)
        if (want[i] != KEEP && !may_set(want[i], *slot[0], *slot[1], *slot[2]))
            return -EPERM;
    for (int i = 0; i < 3; i++)
        if (want[i] != KEEP)
            *slot[i] = want[i];
    if (want[1] != KEEP)
        *fs = want[1];
    return 0;
}

long
sys_setresuid(uint32_t ruid, uint32_t euid, uint32_t suid)
{
    struct creds *c = creds();
    uint32_t *slot[3] = { &c->ruid, &c->euid, &c->suid }, want[3] = { ruid, euid, suid };

    return set_res(slot, &c->fsuid, want);
}

long
sys_setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid)
{
    struct creds *c = creds();
    uint32_t *slot[3] = { &c->rgid, &c->egid, &c->sgid }, want[3] = { rgid, egid, sgid };

    return set_res(slot, &c->fsgid, want);
}

long
sys_setuid(uint32_t uid)
{
    if (uid == (uint32_t)-1)
        return -EINVAL; // as Linux: -1 is no valid id (it means "unchanged" only to setres*)
    if (is_root())
        return sys_setresuid(uid, uid, uid);
    return sys_setresuid(-1, uid, -1);
}

long
sys_setgid(uint32_t gid)
{
    if (gid == (uint32_t)-1)
        return -EINVAL; // as Linux: -1 is no valid id (it means "unchanged" only to setres*)
    if (is_root())
        return sys_setresgid(gid, gid, gid);
    return sys_setresgid(-1, gid, -1);
}

long
sys_setreuid(uint32_t ruid, uint32_t euid)
{
    return sys_setresuid(ruid, euid, -1);
}

long
sys_setregid(uint32_t rgid, uint32_t egid)
{
    return sys_setresgid(rgid, egid, -1);
}

// setfs[ug]id: switch *FS to ID when allowed; always return the old value.
static long
set_fs(uint32_t *fs, uint32_t r, uint32_t e, uint32_t s, uint32_t id)
{
    uint32_t old = *fs;

    if (id != KEEP && may_set(id, r, e, s))
        *fs = id;
    return old;
}

long
sys_setfsuid(uint32_t uid)
{
    struct creds *c = creds();
    return set_fs(&c->fsuid, c->ruid, c->euid, c->suid, uid);
}

long
sys_setfsgid(uint32_t gid)
{
    struct creds *c = creds();
    return set_fs(&c->fsgid, c->rgid, c->egid, c->sgid, gid);
}
