// capget and capset under this kernel's identity model (sched/caps.h): a
// process holds every capability while its effective uid is 0 and none
// otherwise; its permitted set is full while any of its uids is 0 (Linux's
// rule for root without keep-caps or file capabilities); inheritable is
// empty. capset checks as Linux does; LINUX-DIFF: a set it accepts that
// drops capabilities is not kept (there is no per-capability state), so
// capget still answers from the uids.
#include "types.h"
#include "syscalls.h"
#include "sched/proc.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>
#include <linux/capability.h>

#define ALL_CAPS       ((1ull << (CAP_LAST_CAP_K + 1)) - 1)
#define CAP_LAST_CAP_K 40   // CAP_CHECKPOINT_RESTORE, the last in Linux 6.18

struct cap_sets {
    uint64_t effective, permitted, inheritable;
};

static struct cap_sets
sets_of(const struct proc *p)
{
    const struct creds *c = &p->creds;
    struct cap_sets s = { 0, 0, 0 };

    if (c->ruid == 0 || c->euid == 0 || c->suid == 0)
        s.permitted = ALL_CAPS;
    if (c->euid == 0)
        s.effective = ALL_CAPS;
    return s;
}

// The header's version: how many 32-bit words each set takes (1 or 2), or
// -EINVAL after writing the version this kernel prefers, as Linux.
static long
check_version(struct __user_cap_header_struct __user *hdr)
{
    uint32_t v, preferred = _LINUX_CAPABILITY_VERSION_3;

    if (copy_from_user(&v, &hdr->version, sizeof(v)) < 0)
        return -EFAULT;
    if (v == _LINUX_CAPABILITY_VERSION_1)
        return 1;
    if (v == _LINUX_CAPABILITY_VERSION_2 || v == _LINUX_CAPABILITY_VERSION_3)
        return 2;
    if (copy_to_user(&hdr->version, &preferred, sizeof(preferred)) < 0)
        return -EFAULT;
    return -EINVAL;
}

static long
read_pid(struct __user_cap_header_struct __user *hdr, int *pid)
{
    return copy_from_user(pid, &hdr->pid, sizeof(*pid)) < 0 ? -EFAULT : 0;
}

long
sys_capget(struct __user_cap_header_struct __user *hdr, struct __user_cap_data_struct __user *data)
{
    struct __user_cap_data_struct out[2];
    struct proc *p = current_proc();
    long words = check_version(hdr);
    struct cap_sets s;
    int pid;

    if (!data)
        return words == -EINVAL || words > 0 ? 0 : words;   // a NULL DATA probes the version
    if (words < 0)
        return words;
    if (read_pid(hdr, &pid) < 0)
        return -EFAULT;
    if (pid < 0)
        return -EINVAL;
    if (pid && pid != p->pid && !(p = proc_find(pid)))
        return -ESRCH;
    s = sets_of(p);
    for (int i = 0; i < 2; i++) {
        out[i].effective = (uint32_t)(s.effective >> (32 * i));
        out[i].permitted = (uint32_t)(s.permitted >> (32 * i));
        out[i].inheritable = (uint32_t)(s.inheritable >> (32 * i));
    }
    return copy_to_user(data, out, words * sizeof(out[0])) < 0 ? -EFAULT : 0;
}

// Linux's cap_capset checks, in its order: no inheritable capability the
// caller could not use (without CAP_SETPCAP), none outside the bounding set
// (full here), no permitted one it lacks, no effective one not permitted.
static long
check_new_sets(const struct cap_sets *old, const struct cap_sets *new)
{
    bool setpcap = old->effective & (1ull << CAP_SETPCAP);

    if (!setpcap && (new->inheritable & ~(old->inheritable | old->permitted)))
        return -EPERM;
    if (new->inheritable & ~(old->inheritable | ALL_CAPS))
        return -EPERM;
    if (new->permitted & ~old->permitted)
        return -EPERM;
    if (new->effective & ~new->permitted)
        return -EPERM;
    return 0;
}

long
sys_capset(struct __user_cap_header_struct __user *hdr,
           const struct __user_cap_data_struct __user *data)
{
    struct __user_cap_data_struct in[2] = { 0 };
    struct cap_sets old = sets_of(current_proc()), new;
    long words = check_version(hdr);
    int pid;

    if (words < 0)
        return words;
    if (read_pid(hdr, &pid) < 0)
        return -EFAULT;
    if (pid != 0 && pid != current_proc()->pid)
        return -EPERM;
    if (copy_from_user(in, data, words * sizeof(in[0])) < 0)
        return -EFAULT;
    new.effective = in[0].effective | (uint64_t)in[1].effective << 32;
    new.permitted = in[0].permitted | (uint64_t)in[1].permitted << 32;
    new.inheritable = in[0].inheritable | (uint64_t)in[1].inheritable << 32;
    return check_new_sets(&old, &new);
}
