// System information: uname and the names sethostname and setdomainname set,
// resource limits and usage, sysinfo, getrandom.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "sched/proc.h"
#include "mm/uaccess.h"
#include "mm/pmm.h"
#include "drivers/clock.h"
#include "drivers/rng.h"
#include "manifest.h"
#include "uts.h"
#include "sched/caps.h"
#include <linux/capability.h>
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <linux/utsname.h>
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/random.h>

#define UTS_RELEASE "6.1.0-pkgload"
#define UTS_VERSION "#1 SMP PREEMPT_DYNAMIC pkgload"

long
sys_uname(struct new_utsname __user *buf)
{
    struct new_utsname u;

    memset(&u, 0, sizeof(u));
    strlcpy(u.sysname, "Linux", sizeof(u.sysname));
    strlcpy(u.nodename, uts_nodename(), sizeof(u.nodename));
    strlcpy(u.release, UTS_RELEASE, sizeof(u.release));
    strlcpy(u.version, UTS_VERSION, sizeof(u.version));
    strlcpy(u.machine, "x86_64", sizeof(u.machine));
    strlcpy(u.domainname, uts_domainname(), sizeof(u.domainname));
    return copy_to_user(buf, &u, sizeof(u));
}

// sethostname and setdomainname, in Linux's order: CAP_SYS_ADMIN (root's),
// the length, then the bytes. LEN bytes are taken as they are, NULs too.
static long
uts_name_from_user(const char __user *name, int len, char *out)
{
    if (!proc_capable(current_proc(), CAP_SYS_ADMIN))
        return -EPERM;
    if (len < 0 || len > UTS_NAME_MAX)
        return -EINVAL;
    return copy_from_user(out, name, len) < 0 ? -EFAULT : 0;
}

long
sys_sethostname(const char __user *name, int len)
{
    char tmp[UTS_NAME_MAX];
    long ret = uts_name_from_user(name, len, tmp);

    if (ret == 0)
        uts_set_nodename(tmp, len);
    return ret;
}

long
sys_setdomainname(const char __user *name, int len)
{
    char tmp[UTS_NAME_MAX];
    long ret = uts_name_from_user(name, len, tmp);

    if (ret == 0)
        uts_set_domainname(tmp, len);
    return ret;
}

long
sys_prlimit64(int pid, unsigned int resource, const struct rlimit64 __user *new_limit,
              struct rlimit64 __user *old_limit)
{
    struct proc *p = current_proc();
    struct rlimit_k n;

    if (resource >= NUM_RLIMITS)
        return -EINVAL;
    if (pid != 0 && pid != p->pid)
        return -ESRCH;
    if (new_limit) {
        if (copy_from_user(&n, new_limit, sizeof(n)) < 0)
            return -EFAULT;
        if (n.cur > n.max)
            return -EINVAL;
        if (n.max > p->rlimits[resource].max && p->creds.euid != 0)
            return -EPERM;
        if (resource == RLIMIT_NOFILE && n.max > 1048576)
            return -EPERM;    // above fs.nr_open
    }
    if (old_limit && copy_to_user(old_limit, &p->rlimits[resource], sizeof(struct rlimit_k)) < 0)
        return -EFAULT;
    if (new_limit)
        p->rlimits[resource] = n;
    return 0;
}

long
sys_getrlimit(unsigned int resource, struct rlimit64 __user *rlim)
{
    return sys_prlimit64(0, resource, NULL, rlim);
}

long
sys_setrlimit(unsigned int resource, const struct rlimit64 __user *rlim)
{
    return sys_prlimit64(0, resource, rlim, NULL);
}

long
sys_sysinfo(struct sysinfo __user *info)
{
    struct sysinfo s;

    memset(&s, 0, sizeof(s));
    s.uptime = clock_monotonic_ns() / 1000000000ull;
    s.totalram = pmm_num_total() * PAGE_SIZE;
    s.freeram = pmm_num_free() * PAGE_SIZE;
    s.procs = 1;
    s.mem_unit = 1;
    return copy_to_user(info, &s, sizeof(s));
}

long
sys_getrandom(void __user *buf, size_t count, unsigned int flags)
{
    uint8_t chunk[256];
    size_t done = 0;

    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
        return -EINVAL;
    count = MIN(count, 0x1ffffffu);   // Linux caps one call at 32 MiB - 1
    while (done < count) {
        size_t n = MIN(count - done, sizeof(chunk));
        rng_bytes(chunk, n);
        if (copy_to_user((char *)buf + done, chunk, n) < 0)
            return done ? (long)done : -EFAULT;
        done += n;
    }
    memset(chunk, 0, sizeof(chunk));
    return done;
}
