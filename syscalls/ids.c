// User and group ids. The program runs as root (uid 0), as in a container;
// stub sets (stubs/) can make it look like another user.
#include "types.h"
#include "sched/proc.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>

static struct creds *creds(void) { return &current_proc()->creds; }
static bool is_root(void) { return creds()->euid == 0; }

long sys_getuid(void) { return creds()->ruid; }
long sys_geteuid(void) { return creds()->euid; }
long sys_getgid(void) { return creds()->rgid; }
long sys_getegid(void) { return creds()->egid; }

long
sys_getresuid(uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
    struct creds *c = creds();

    if (copy_to_user(r, &c->ruid, 4) < 0 || copy_to_user(e, &c->euid, 4) < 0 || copy_to_user(s, &c->suid, 4) < 0)
        return -EFAULT;
    return 0;
}

long
sys_getresgid(uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
    struct creds *c = creds();

    if (copy_to_user(r, &c->rgid, 4) < 0 || copy_to_user(e, &c->egid, 4) < 0 || copy_to_user(s, &c->sgid, 4) < 0)
        return -EFAULT;
    return 0;
}

long
sys_getgroups(int size, uint32_t __user *list)
{
    if (size < 0)
        return -EINVAL;
    return 0;
}

long
sys_setgroups(int size, const uint32_t __user *list)
{
    uint32_t gid;

    if (!is_root())
        return -EPERM;
    if (size < 0 || size > 65536)
        return -EINVAL;
    for (int i = 0; i < size; i++) {
        if (copy_from_user(&gid, &list[i], sizeof(gid)) < 0)
            return -EFAULT;
        if (gid != creds()->egid)
            return -EINVAL;   // LINUX-DIFF: no supplementary groups are kept
    }
    return 0;
}

// May the caller switch an id to ID? Root may; others only to one of their own.
static bool
may_set(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
    return is_root() || id == r || id == e || id == s;
}

long
sys_setresuid(uint32_t ruid, uint32_t euid, uint32_t suid)
{
    struct creds *c = creds();

    if ((ruid != (uint32_t)-1 && !may_set(ruid, c->ruid, c->euid, c->suid)) ||
        (euid != (uint32_t)-1 && !may_set(euid, c->ruid, c->euid, c->suid)) ||
        (suid != (uint32_t)-1 && !may_set(suid, c->ruid, c->euid, c->suid)))
        return -EPERM;
    if (ruid != (uint32_t)-1)
        c->ruid = ruid;
    if (euid != (uint32_t)-1)
        c->euid = c->fsuid = euid;
    if (suid != (uint32_t)-1)
        c->suid = suid;
    return 0;
}

long
sys_setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid)
{
    struct creds *c = creds();

    if ((rgid != (uint32_t)-1 && !may_set(rgid, c->rgid, c->egid, c->sgid)) ||
        (egid != (uint32_t)-1 && !may_set(egid, c->rgid, c->egid, c->sgid)) ||
        (sgid != (uint32_t)-1 && !may_set(sgid, c->rgid, c->egid, c->sgid)))
        return -EPERM;
    if (rgid != (uint32_t)-1)
        c->rgid = rgid;
    if (egid != (uint32_t)-1)
        c->egid = c->fsgid = egid;
    if (sgid != (uint32_t)-1)
        c->sgid = sgid;
    return 0;
}

long
sys_setuid(uint32_t uid)
{
    if (is_root())
        return sys_setresuid(uid, uid, uid);
    return sys_setresuid(-1, uid, -1);
}

long
sys_setgid(uint32_t gid)
{
    if (is_root())
        return sys_setresgid(gid, gid, gid);
    return sys_setresgid(-1, gid, -1);
}

long sys_setreuid(uint32_t r, uint32_t e) { return sys_setresuid(r, e, -1); }
long sys_setregid(uint32_t r, uint32_t e) { return sys_setresgid(r, e, -1); }

long
sys_setfsuid(uint32_t uid)
{
    uint32_t old = creds()->fsuid;

    if (uid != (uint32_t)-1 && may_set(uid, creds()->ruid, creds()->euid, creds()->suid))
        creds()->fsuid = uid;
    return old;
}

long
sys_setfsgid(uint32_t gid)
{
    uint32_t old = creds()->fsgid;

    if (gid != (uint32_t)-1 && may_set(gid, creds()->rgid, creds()->egid, creds()->sgid))
        creds()->fsgid = gid;
    return old;
}
