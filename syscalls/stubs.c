// Compatibility stubs: the per-number override array dispatch consults before
// its table, filled at boot from the manifest's stub rules (stubs/README.md).
// The host has checked every rule (names, errnos, values) and turned it into
// numbers; the kernel only reads numbers.
#include "syscalls/stubs.h"
#include "arch/x86_64/trap.h"
#include "mm/uaccess.h"
#include "log.h"
#include <asm-generic/errno.h>

static struct stub_rule rules[NR_SYSCALLS];
static bool any_rule;

// Parse a decimal number, optionally negative, from *S up to a ':', ' ' or the end.
static bool
parse_long(const char **s, long *out)
{
    const char *p = *s;
    bool neg = *p == '-';
    long v = 0;

    p += neg;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    *out = neg ? -v : v;
    *s = p;
    return *p == 0 || *p == ' ' || *p == ':';
}

// One entry at *S; advances *S past it. False when malformed.
static bool
parse_rule(const char **s)
{
    long nr, arg = 0, size = 0, value = 0;
    char kind;

    if (!parse_long(s, &nr) || nr < 0 || nr >= NR_SYSCALLS || **s != ':')
        return false;
    kind = (*s)[1];
    if ((*s)[2] != ':')
        return false;
    *s += 3;
    if (kind == 'z') {
        if (!parse_long(s, &arg) || arg < 0 || arg > 5 || *(*s)++ != ':' || !parse_long(s, &size) ||
            size < 0 || size > (1 << 20))
            return false;
        rules[nr] = (struct stub_rule){ .kind = STUB_ZERO, .arg = arg, .size = size };
    } else if (kind == 'c' || kind == 's') {
        if (!parse_long(s, &value))
            return false;
        rules[nr] =
            (struct stub_rule){ .kind = kind == 'c' ? STUB_CONST : STUB_SAME, .value = value };
    } else {
        return false;
    }
    return true;
}

void
stubs_load(const char *spec)
{
    const char *s = spec;

    if (!s)
        return;
    while (*s) {
        const char *entry = s;

        if (!parse_rule(&s))
            panic("manifest: stub rule at \"%.24s\" is malformed", entry);
        while (*s == ' ')
            s++;
        any_rule = true;
    }
}

const struct stub_rule *
stub_get(uint64_t nr)
{
    if (!any_rule || nr >= NR_SYSCALLS || rules[nr].kind == STUB_NONE)
        return NULL;
    return &rules[nr];
}

// The argument registers in the syscall ABI's order.
static uint64_t
frame_arg(const struct trap_frame *f, int i)
{
    const uint64_t args[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };

    return args[i];
}

long
stub_apply(const struct stub_rule *rule, const struct trap_frame *f)
{
    long ret;

    switch (rule->kind) {
    case STUB_CONST: return rule->value;
    case STUB_SAME:
        return (long)f->rdi == rule->value || (uint32_t)f->rdi == (uint32_t)rule->value ? 0
                                                                                        : -EPERM;
    case STUB_ZERO:
        ret = rule->size ? clear_user((void __user *)frame_arg(f, rule->arg), rule->size) : 0;
        return ret < 0 ? ret : 0;
    }
    return -ENOSYS;
}
