// /proc/PID/coredump_filter: which mappings a core dump of the process
// would hold (core(5)), nine bits kept per process, inherited by fork and
// kept across execve. Nothing here dumps core; programs (the JVM) read and
// write the file, and read back what they wrote, as on Linux.
#include "fs/procfs_text.h"
#include "fs/vfs.h"
#include "sched/proc.h"
#include "lib/string.h"
#include <asm-generic/errno.h>

#define COREDUMP_FILTER_BITS 0x1ff    // the nine MMF_DUMP_* bits core(5) names

static struct proc *
proc_named(struct vnode *vn)
{
    return proc_find((int)(uint32_t)(uint64_t)vn->priv);
}

long
procfs_gen_coredump_filter(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = proc_named(vn);
    struct text t = { 0 };

    if (!p)
        return -ESRCH;
    text_printf(&t, "%08x\n", p->coredump_filter);
    return text_done(&t, buf, len);
}

// The digits of S in BASE into *V: -EINVAL for none or a stray character,
// -ERANGE past 32 bits.
static long
parse_digits(const char *s, int base, uint32_t *v)
{
    uint64_t n = 0;

    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        int d = *s >= '0' && *s <= '9'   ? *s - '0'
                : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                         : 99;
        if (d >= base)
            return -EINVAL;
        if ((n = n * base + d) > UINT32_MAX)
            return -ERANGE;
    }
    *v = (uint32_t)n;
    return 0;
}

// An unsigned number as the kernel's writable /proc files take it: an
// optional '+', then 0x (hex), 0 (octal) or decimal digits, and at most
// one newline; nothing else.
static long
parse_proc_uint(const char *buf, size_t len, uint32_t *v)
{
    char s[64];
    const char *p = s;
    int base = 10;

    len = MIN(len, sizeof(s) - 1);
    memcpy(s, buf, len);
    s[len] = 0;
    if (len && s[len - 1] == '\n')
        s[len - 1] = 0;
    if (*p == '+')
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2])
        base = 16, p += 2;
    else if (p[0] == '0' && p[1])
        base = 8, p++;
    return parse_digits(p, base, v);
}

// Bits above the nine core(5) names are dropped, as Linux drops them.
long
procfs_store_coredump_filter(struct vnode *vn, const char *buf, size_t len)
{
    struct proc *p;
    uint32_t v;
    long ret = parse_proc_uint(buf, len, &v);

    if (ret < 0)
        return ret;
    if (!(p = proc_named(vn)) || p->zombie)
        return -ESRCH;
    p->coredump_filter = v & COREDUMP_FILTER_BITS;
    return 0;
}
