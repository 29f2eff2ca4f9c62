// execve(2): replace the calling process's program. The arguments are
// copied into one kernel block laid out as the initial stack wants them
// (exec/stack.c), a `#!` script becomes its interpreter's arguments, and
// the new program's memory is built whole in a fresh address space before
// anything of the old one is touched, so every error comes back to the
// caller. Then there is no way back: the other threads go, the new address
// space is loaded, close-on-exec descriptors close, caught signals reset.
#include "exec/exec.h"
#include "exec/execve.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/trap.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "sched/futex.h"
#include "sched/proc.h"
#include "sched/process.h"
#include "sched/sched.h"
#include "lib/string.h"
#include "drivers/clock.h"
#include "sched/wait.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <linux/personality.h>
#include <asm/signal.h>
#include <linux/futex.h>
#include <linux/fcntl.h>

#define MAX_ARG_STRLEN   (32 * PAGE_SIZE)   // one string's limit (Linux's)
#define ARGS_MAX         (2ull << 20)       // all of them, pointers counted: RLIMIT_STACK / 4
#define BINPRM_BUF       256                // how much of a script's first line counts
#define MAX_SCRIPT_DEPTH 5 // scripts in a chain, as Linux runs them (the 6th is ELOOP)

// The arguments as the new stack holds them: pointers to argv's strings, a
// NULL, envp's, a NULL, then every string end to end, all in one block
// sized exactly (measured first: a block of ARG_MAX would need megabytes
// of contiguous memory at every exec).
struct arg_block {
    char *buf; // kmalloc'd
    const char **ptrs; // at its start
    char *strings, *next; // after the pointers; where the next string goes
    uint64_t argc, envc;
};

// Count a user NULL-ended array and the bytes of its strings (NULs
// included), from index FIRST: -EFAULT, or -E2BIG past the limits.
static long
measure_user(const char __user *const __user *v, uint64_t first, uint64_t *n, uint64_t *bytes)
{
    uint64_t p;
    long len;

    *n = 0;
    if (!v)
        return 0; // Linux takes NULL as empty
    for (uint64_t i = first;; i++) {
        if (copy_from_user(&p, v + i, sizeof(p)) < 0)
            return -EFAULT;
        if (!p)
            return 0;
        if ((len = strnlen_user((const char __user *)p, MAX_ARG_STRLEN)) < 0)
            return len;
        if (len > (long)MAX_ARG_STRLEN)
            return -E2BIG;
        *bytes += len;
        if (++*n > ARGS_MAX / 8 || *bytes + *n * 8 > ARGS_MAX)
            return -E2BIG;
    }
}

// Copy a measured user list onto the block; the strings may have changed
// since they were measured (another thread): they are cut to fit, as the
// block's size is what was measured.
static long
copy_user_list(struct arg_block *b, const char __user *const __user *v, uint64_t first, uint64_t n,
               uint64_t *slot, char *end)
{
    uint64_t p;

    for (uint64_t i = first; i < first + n; i++) {
        long len;
        if (copy_from_user(&p, v + i, sizeof(p)) < 0)
            return -EFAULT;
        if ((len = strncpy_from_user(b->next, (const char __user *)p, end - b->next)) == -EFAULT)
            return -EFAULT;
        if (len < 0)
            return -E2BIG;
        b->ptrs[(*slot)++] = b->next;
        b->next += len + 1;
    }
    return 0;
}

static void
push_kernel(struct arg_block *b, uint64_t *slot, const char *s)
{
    size_t n = strlen(s) + 1;

    memcpy(b->next, s, n);
    b->ptrs[(*slot)++] = b->next;
    b->next += n;
}

// The new program's argv and envp. PREFIX (a script's interpreter, its
// argument and the script's name) replaces argv[0] when NPREFIX is not 0.
static long
copy_args(struct arg_block *b, const char *const *prefix, int nprefix,
          const char __user *const __user *uargv, const char __user *const __user *uenvp)
{
    uint64_t argc, envc, bytes = 0, slot = 0, nptrs;
    long ret;

    if ((ret = measure_user(uargv, nprefix ? 1 : 0, &argc, &bytes)) < 0 ||
        (ret = measure_user(uenvp, 0, &envc, &bytes)) < 0)
        return ret;
    for (int i = 0; i < nprefix; i++)
        bytes += strlen(prefix[i]) + 1;
    if (!nprefix && !argc)
        bytes += 1; // an empty argv gets "" as argv[0], as Linux 5.18 and later do
    nptrs = argc + nprefix + (!nprefix && !argc) + 1 + envc + 1;
    if (bytes + nptrs * 8 > ARGS_MAX)
        return -E2BIG;
    if (!(b->buf = kmalloc(nptrs * 8 + bytes)))
        return -ENOMEM;
    b->ptrs = (const char **)b->buf;
    b->strings = b->next = b->buf + nptrs * 8;
    for (int i = 0; i < nprefix; i++)
        push_kernel(b, &slot, prefix[i]);
    if (!nprefix && !argc)
        push_kernel(b, &slot, "");
    if ((ret = copy_user_list(b, uargv, nprefix ? 1 : 0, argc, &slot, b->strings + bytes)) < 0)
        return ret;
    b->argc = slot;
    b->ptrs[slot++] = NULL;
    if ((ret = copy_user_list(b, uenvp, 0, envc, &slot, b->strings + bytes)) < 0)
        return ret;
    b->envc = slot - b->argc - 1;
    b->ptrs[slot] = NULL;
    return 0;
}

// A `#!` line: the interpreter and its one optional argument, as Linux's
// binfmt_script splits it (spaces and tabs around both, the rest of the
// line one argument). -ENOEXEC when the line names nothing.
static long
parse_shebang(char *line, size_t len, char **interp, char **arg)
{
    char *end, *p = line + 2;

    line[len] = 0;
    if ((end = strchr(p, '\n')))
        *end = 0;
    else
        end = line + len;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return -ENOEXEC;
    *interp = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    *arg = NULL;
    if (*p) {
        *p++ = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            *arg = p;
    }
    return 0;
}

// Look up PATH (relative to DIRFD) as exec does: a regular file the caller
// may execute, on a filesystem that allows it. *WHERE is its path with links
// resolved, as /proc/self/exe names it.
static long
open_exec(int dirfd, const char *path, int flags, struct vnode **out, char **where)
{
    struct file *f, *opened = NULL;
    struct vnode *vn;
    long ret = 0;

    if (!path[0] && (flags & AT_EMPTY_PATH)) {
        f = fd_get_raw(dirfd); // fexecve: the descriptor's own file
        if (!f || !f->vn)
            return f ? -EACCES : -EBADF;
    } else {
        ret = vfs_open_path(dirfd, path, O_PATH | (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0), 0,
                            0, &opened);
        if (ret < 0)
            return ret;
        f = opened;
    }
    vn = vnode_get(f->vn);
    if (vnode_is_link(vn))
        ret = -ELOOP;
    else if (!vnode_is_reg(vn))
        ret = -EACCES;
    else if ((ret = vnode_permission(vn, MAY_EXEC)) == 0 && !(vn->mode & 0111))
        ret = -EACCES; // root too needs an execute bit
    else if (ret == 0 && vn->writers)
        ret = -ETXTBSY; // open for writing somewhere
    if (ret == 0 && !(*where = kstrdup(f->path ? f->path : path)))
        ret = -ENOMEM;
    if (opened)
        file_put(opened);
    if (ret < 0) {
        vnode_put(vn);
        return ret;
    }
    *out = vn;
    return 0;
}

// A script's interpreter line, read from VN: 0 with *INTERP (and *ARG) in
// LINE, 1 when VN is an ELF file, -ENOEXEC when it is neither.
static long
script_or_elf(struct vnode *vn, char *line, char **interp, char **arg)
{
    ssize_t n = vnode_read(vn, line, BINPRM_BUF - 1, 0);

    if (n >= 4 && !memcmp(line, "\177ELF", 4))
        return 1;
    if (n >= 2 && line[0] == '#' && line[1] == '!')
        return parse_shebang(line, n, interp, arg);
    return -ENOEXEC;
}

// What argv[0] becomes for a script, before the script's own arguments:
// the interpreter, its argument, then what ran it (the script's name, or an
// outer interpreter for a script whose interpreter is itself a script).
struct script_args {
    char lines[MAX_SCRIPT_DEPTH + 1]
              [BINPRM_BUF]; // one more: the file after the last allowed script
    const char *prefix[3 * MAX_SCRIPT_DEPTH];
    int n;
    char *exe; // the path of the ELF file that runs, links resolved
};

static void
add_interpreter(struct script_args *s, char *interp, char *arg, const char *ran)
{
    const char *old[3 * MAX_SCRIPT_DEPTH];
    int n = 0;

    memcpy(old, s->prefix, sizeof(old));
    s->prefix[n++] = interp;
    if (arg)
        s->prefix[n++] = arg;
    s->prefix[n++] = ran;
    for (int i = 1; i < s->n; i++) // the outer interpreter's name is RAN now
        s->prefix[n++] = old[i];
    s->n = n;
}

// Follow `#!` lines from VN to the ELF file that runs: *VN becomes it.
static long
resolve_scripts(struct vnode **vn, const char *filename, struct script_args *s)
{
    const char *ran = filename;
    char *interp, *arg;
    long ret;

    s->n = 0;
    for (int depth = 0;; depth++) {
        if ((ret = script_or_elf(*vn, s->lines[depth], &interp, &arg)) != 0)
            return ret < 0 ? ret : 0;
        if (depth == MAX_SCRIPT_DEPTH)
            return -ELOOP;
        add_interpreter(s, interp, arg, ran);
        ran = interp;
        vnode_put(*vn);
        *vn = NULL;
        kfree(s->exe);
        s->exe = NULL;
        if ((ret = open_exec(AT_FDCWD, interp, 0, vn, &s->exe)) < 0)
            return ret;
    }
}

// The other threads of the process go (woken from any wait, interrupted
// wherever they run); the caller waits until it is the only one, then
// takes the process's id as its own, as the thread a new program starts on.
static void
become_only_thread(struct thread *t)
{
    struct proc *p = t->proc;

    for (struct thread *o = p->threads; o; o = o->proc_next) {
        if (o != t) {
            o->must_die = true;
            sched_kick_fatal(o);
        }
    }
    while (p->nr_threads > 1)
        sched_block(clock_monotonic_ns() + 1000000, false);
    t->tid = p->pid;
}

// A vfork child or a thread sharing the old memory is told the CLONE_CHILD_CLEARTID
// word is free, as Linux's exec does (mm_release); the new program has none.
static void
release_thread_words(struct thread *t, struct mm *old)
{
    uint32_t zero = 0;

    if (t->clear_child_tid && old->users > 1 &&
        copy_to_user((void __user *)t->clear_child_tid, &zero, 4) == 0)
        futex_wake((uint32_t __user *)t->clear_child_tid, true, 1, FUTEX_BITSET_MATCH_ANY);
    t->clear_child_tid = t->set_child_tid = 0;
    t->robust_list = t->robust_len = 0;
    t->rseq = 0;
    // As Linux's 64-bit exec: the new program's stack flags decide this
    // bit, and on x86-64 they never set it again. Other bits are kept.
    t->proc->personality &= ~READ_IMPLIES_EXEC;
}

// Caught signals go back to their default; ignored ones stay ignored
// (execve(2)); pending signals and the mask are kept.
static void
reset_signals(struct thread *t)
{
    for (int sig = 1; sig <= NSIG_LINUX; sig++) {
        struct k_sigaction *sa = &t->proc->sigactions[sig];
        if (sa->handler != (uint64_t)SIG_IGN)
            sa->handler = (uint64_t)SIG_DFL;
        sa->flags = 0;
        sa->mask = 0;
        sa->restorer = 0;
    }
    t->altstack = (struct sig_altstack){ 0 };
}

// The descriptor table is the process's own from now on (unshared if
// CLONE_FILES shared it), less its close-on-exec descriptors.
static void
exec_files(struct proc *p)
{
    if (p->fds->refs > 1) {
        struct fd_table *own = fd_table_copy(p->fds);
        if (own) {
            fd_table_put(p->fds);
            p->fds = own;
        }
    }
    fd_close_on_exec(p->fds);
}

// The registers of the new program: the FPU in its initial state (MXCSR
// as the ABI wants it), no %fs or %gs base.
static void
reset_registers(void)
{
    static uint8_t init_fpu[PAGE_SIZE] __attribute__((aligned(64)));

    *(uint16_t *)init_fpu = 0x37f; // FCW
    *(uint32_t *)(init_fpu + 24) = 0x1f80; // MXCSR
    fpu_restore(init_fpu);
    wrmsr(MSR_FS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

// No way back from here: the new program replaces the old in this process.
static void
exec_commit(struct mm *mm, const struct exec_entry *e, const char *filename, char *exe)
{
    struct thread *t = current_thread();
    struct proc *p = t->proc;
    struct mm *old = p->mm;
    const char *base = strrchr(filename, '/');

    become_only_thread(t);
    release_thread_words(t, old);
    p->mm = mm;
    mm_activate(mm);
    proc_vfork_release(p);
    mm_put(old);
    exec_files(p);
    reset_signals(t);
    if (p->exe_owned)
        kfree((char *)p->exe_path);
    p->exe_path = exe;
    p->exe_owned = true;
    p->did_exec = true;
    memset(t->name, 0, sizeof(t->name));
    strlcpy(t->name, base ? base + 1 : filename, sizeof(t->name));
    reset_registers();
    exec_start_frame(t->frame, e);
}

long
exec_program(int dirfd, const char *filename, const char __user *const __user *uargv,
             const char __user *const __user *uenvp, int flags)
{
    struct script_args *s = kmalloc(sizeof(*s));
    struct arg_block b = { 0 };
    struct exec_args args;
    struct exec_entry e;
    struct vnode *vn = NULL;
    struct mm *mm = NULL;
    long ret;

    if (!s)
        return -ENOMEM;
    s->exe = NULL;
    if ((ret = open_exec(dirfd, filename, flags, &vn, &s->exe)) < 0 ||
        (ret = resolve_scripts(&vn, filename, s)) < 0 ||
        (ret = copy_args(&b, s->prefix, s->n, uargv, uenvp)) < 0)
        goto out;
    args = (struct exec_args){ filename, b.ptrs, b.argc, b.envc, b.next };
    if (!(mm = mm_create())) {
        ret = -ENOMEM;
        goto out;
    }
    mm_set_exe(mm, vn);
    if ((ret = exec_build(mm, vn, s->n ? s->prefix[0] : filename, &args, &e)) < 0) {
        mm_put(mm);
        goto out;
    }
    exec_commit(mm, &e, filename, s->exe);
    s->exe = NULL; // the process's now
out:
    if (vn)
        vnode_put(vn);
    kfree(b.buf);
    kfree(s->exe);
    kfree(s);
    return ret;
}
