// pkgload run --trace: one record per syscall on the kernel log, decoded on
// the host with syscalls/table.tsv (loader/trace.py, docs/kernel.md, Trace).
// Input strings and buffers are copied before the call (execve replaces them),
// output buffers after it; the record is logged when the call returns.
#include "syscalls/trace.h"
#include "syscalls/stubs.h"
#include "arch/x86_64/trap.h"
#include "drivers/clock.h"
#include "mm/uaccess.h"
#include "sched/proc.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "manifest.h"
#include "log.h"
#include <asm/unistd.h>

#define STR_MAX    64      // a path or a name (strace prints paths whole: ours end in "...")
#define BUF_MAX    32      // read and write data, as strace's default -s 32
#define ARGV_MAX   96      // execve's argv, its strings NUL-separated
#define ARGV_COUNT 16      // at most this many of them
#define MAX_BLOBS  3       // setxattr has the most captures: path, name, value
#define LINE_MAX   1024    // header (7 x 17) + 6 args x 17 + 3 blobs x (2 x 96 + 4)

enum { TRACE_STUBBED = 1, TRACE_MISSING = 2, TRACE_NORETURN = 4 };

struct blob {
    int arg;                // which argument it is of
    bool cut;               // the argument held more than was copied
    size_t len;
    char data[ARGV_MAX];
};

struct trace_rec {
    uint64_t nr, t_us, args[6];
    long ret;
    int nargs, nblobs;
    unsigned flags;
    struct blob blobs[MAX_BLOBS];
};

bool trace_enabled;

void
trace_init(void)
{
    trace_enabled = manifest.raw->flags & MANIFEST_TRACE;
}

// Copy the string at U, up to STR_MAX bytes; false when it faults.
static bool
capture_string(struct blob *b, uint64_t u)
{
    long n = strnlen_user((const char __user *)u, STR_MAX + 1);

    if (n < 0)
        return false;
    b->cut = n > STR_MAX + 1;
    b->len = b->cut ? STR_MAX : n - 1;
    return copy_from_user(b->data, (const void __user *)u, b->len) == 0;
}

// Copy LEN bytes at U, up to BUF_MAX of them; false when they fault.
static bool
capture_buffer(struct blob *b, uint64_t u, uint64_t len)
{
    b->cut = len > BUF_MAX;
    b->len = b->cut ? BUF_MAX : len;
    return copy_from_user(b->data, (const void __user *)u, b->len) == 0;
}

// Copy the strings of the NULL-terminated array at U, each followed by a NUL, while they fit.
static bool
capture_argv(struct blob *b, uint64_t u)
{
    uint64_t p;
    long n;

    b->len = 0;
    b->cut = false;
    for (int i = 0; i < ARGV_COUNT; i++) {
        if (copy_from_user(&p, (const void __user *)(u + 8 * i), 8) < 0)
            return i > 0;
        if (!p)
            return true;
        n = strnlen_user((const char __user *)p, ARGV_MAX - b->len);
        if (n < 0 || n > (long)(ARGV_MAX - b->len) ||
            copy_from_user(b->data + b->len, (const void __user *)p, n) < 0) {
            b->cut = true;
            return i > 0;
        }
        b->len += n;
    }
    b->cut = true;
    return true;
}

// Capture argument I of R as its spec letter says, before the call (s, w, v) or after (r).
static void
capture_arg(struct trace_rec *r, int i, char letter)
{
    struct blob *b = &r->blobs[r->nblobs];
    bool ok;

    if (r->nblobs == MAX_BLOBS || !r->args[i])
        return;
    if (letter == 's')
        ok = capture_string(b, r->args[i]);
    else if (letter == 'w' && i < 5)
        ok = capture_buffer(b, r->args[i], r->args[i + 1]);
    else if (letter == 'v')
        ok = capture_argv(b, r->args[i]);
    else if (letter == 'r')
        ok = r->ret >= 0 && capture_buffer(b, r->args[i], r->ret);
    else
        return;
    if (ok) {
        b->arg = i;
        r->nblobs++;
    }
}

// Capture the arguments whose letter is in WHICH.
static void
capture_args(struct trace_rec *r, const char *spec, const char *which)
{
    for (int i = 0; spec[i] && i < 6; i++)
        for (const char *w = which; *w; w++)
            if (spec[i] == *w)
                capture_arg(r, i, *w);
}

static int
put_hex(char *out, const char *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[(uint8_t)data[i] >> 4];
        out[2 * i + 1] = digits[(uint8_t)data[i] & 15];
    }
    return 2 * len;
}

// Log R as `trace: PID TID NR RET US FLAGS ARG... [IDX=HEX | IDX~HEX (cut)]...`, numbers in hex.
static void
trace_emit(const struct trace_rec *r)
{
    char line[LINE_MAX];
    int len;

    len = snprintf(line, sizeof(line), "trace: %x %x %lx %lx %lx %x", current_proc()->pid,
                   current_thread()->tid, r->nr, (uint64_t)r->ret, r->t_us, r->flags);
    for (int i = 0; i < r->nargs; i++)
        len += snprintf(line + len, sizeof(line) - len, " %lx", r->args[i]);
    for (int i = 0; i < r->nblobs; i++) {
        const struct blob *b = &r->blobs[i];

        len += snprintf(line + len, sizeof(line) - len, " %d%c", b->arg, b->cut ? '~' : '=');
        len += put_hex(line + len, b->data, b->len);
    }
    line[len] = '\0';
    klog_line(line);
}

long
trace_syscall(struct trap_frame *f, uint64_t nr, syscall_fn fn, const struct stub_rule *stub)
{
    const char *spec = nr < NR_SYSCALLS && syscall_table[nr].trace ? syscall_table[nr].trace : "";
    struct trace_rec r = {
        .nr = nr,
        .t_us = clock_monotonic_ns() / 1000,
        .args = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 },
        .nargs = spec[0] || fn ? (int)strlen(spec) : 6,    // a missing call: all six
        .flags = stub  ? TRACE_STUBBED
                 : !fn ? TRACE_MISSING
                       : 0,
    };

    capture_args(&r, spec, "swv");
    if (!stub && (nr == __NR_exit || nr == __NR_exit_group)) {
        r.flags |= TRACE_NORETURN;      // logged before: the call does not come back
        trace_emit(&r);
    }
    r.ret = syscall_invoke(f, nr, fn, stub);
    capture_args(&r, spec, "r");
    trace_emit(&r);
    return r.ret;
}
