// /proc for the one process (pid 2, also reached as /proc/self) and the
// system files programs read: meminfo, cpuinfo, stat, uptime, and a few
// sysctls. Contents are generated when the file is opened.
#include "fs/vfs.h"
#include "fs/file.h"
#include "fs/console.h"
#include "fs/pipe.h"
#include "sched/proc.h"
#include "mm/vm.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "drivers/clock.h"
#include "manifest.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <linux/stat.h>

#define GEN_MAX 65536

// A growing text buffer for generators.
struct text { char *buf; size_t len, cap; };

static void
text_printf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!t->buf && !(t->buf = kmalloc(t->cap = GEN_MAX)))
        return;
    va_start(ap, fmt);
    n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len = MIN(t->len + n, t->cap - 1);
}

static long
text_done(struct text *t, char **buf, size_t *len)
{
    if (!t->buf && !(t->buf = kzalloc(1)))
        return -ENOMEM;
    *buf = t->buf;
    *len = t->len;
    return 0;
}

static long
gen_meminfo(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    uint64_t total = pmm_num_total() * 4, free = pmm_num_free() * 4;

    text_printf(&t, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n",
                total, free, free);
    text_printf(&t, "Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n");
    text_printf(&t, "SwapTotal:             0 kB\nSwapFree:              0 kB\n");
    return text_done(&t, buf, len);
}

static long
gen_cpuinfo(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };

    text_printf(&t, "processor\t: 0\nvendor_id\t: pkgload\nmodel name\t: pkgload virtual CPU\n"
                    "cpu MHz\t\t: %lu.000\ncache size\t: 4096 KB\nphysical id\t: 0\nsiblings\t: 1\n"
                    "core id\t\t: 0\ncpu cores\t: 1\nflags\t\t: fpu sse sse2 syscall nx lm\n\n",
                clock_tsc_hz() / 1000000);
    return text_done(&t, buf, len);
}

static long
gen_uptime(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    uint64_t cs = clock_monotonic_ns() / 10000000;

    text_printf(&t, "%lu.%02lu %lu.%02lu\n", cs / 100, cs % 100, cs / 100, cs % 100);
    return text_done(&t, buf, len);
}

static long
gen_stat(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    uint64_t ticks = clock_monotonic_ns() / 10000000;

    text_printf(&t, "cpu  %lu 0 0 0 0 0 0 0 0 0\ncpu0 %lu 0 0 0 0 0 0 0 0 0\n", ticks, ticks);
    text_printf(&t, "intr 0\nctxt 0\nbtime %lu\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n",
                (clock_realtime_ns() - clock_monotonic_ns()) / 1000000000);
    return text_done(&t, buf, len);
}

static long
gen_hostname(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };

    text_printf(&t, "%s\n", manifest.hostname);
    return text_done(&t, buf, len);
}

static long
gen_const(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };

    text_printf(&t, "%s", (const char *)vn->priv);
    return text_done(&t, buf, len);
}

static long
gen_cmdline(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };

    for (int i = 0; i < (int)manifest.raw->argc; i++) {
        text_printf(&t, "%s", manifest.argv[i]);
        if (t.buf && t.len < t.cap - 1)
            t.buf[t.len++] = 0;
    }
    return text_done(&t, buf, len);
}

static long
gen_status(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = current_proc();
    struct text t = { 0 };
    const char *name = strrchr(p->exe_path, '/');

    text_printf(&t, "Name:\t%.15s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n",
                name ? name + 1 : p->exe_path, p->umask, p->pid, p->pid);
    text_printf(&t, "PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", p->ppid,
                p->creds.ruid, p->creds.euid, p->creds.suid, p->creds.fsuid, p->creds.rgid, p->creds.egid,
                p->creds.sgid, p->creds.fsgid);
    text_printf(&t, "Threads:\t1\nSigBlk:\t%016lx\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n",
                current_thread()->sig_blocked);
    return text_done(&t, buf, len);
}

static long
gen_pid_stat(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = current_proc();
    struct text t = { 0 };
    const char *name = strrchr(p->exe_path, '/');

    text_printf(&t, "%d (%s) R %d %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n", p->pid,
                name ? name + 1 : p->exe_path, p->ppid, p->pgid, p->sid);
    return text_done(&t, buf, len);
}

static long
gen_maps(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    struct mm *mm = current_proc()->mm;

    for (struct vma *v = mm->vmas; v; v = v->next) {
        const char *name = v->flags & VMA_STACK ? "[stack]" : v->flags & VMA_HEAP ? "[heap]"
                         : v->flags & VMA_VDSO ? "[vdso]" : v->flags & VMA_VVAR ? "[vvar]"
                         : v->path ? v->path : "";
        text_printf(&t, "%08lx-%08lx %c%c%c%c %08lx 00:00 %lu", v->start, v->end,
                    v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
                    v->prot & PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
                    v->backing.vn ? v->backing.off : 0, v->backing.vn ? v->backing.vn->ino : 0);
        text_printf(&t, "%s%s\n", name[0] ? "                          " : "", name);
    }
    return text_done(&t, buf, len);
}

static long
link_exe(struct vnode *vn, char *buf, size_t len)
{
    return strlcpy(buf, current_proc()->exe_path, len) < len ? 0 : -ENAMETOOLONG;
}

static long
link_cwd(struct vnode *vn, char *buf, size_t len)
{
    struct vnode *cwd = vfs_cwd();
    long ret = vnode_path(cwd, buf, len);

    vnode_put(cwd);
    return ret < 0 ? ret : 0;
}

static long
link_self(struct vnode *vn, char *buf, size_t len)
{
    snprintf(buf, len, "%d", current_proc()->pid);
    return 0;
}

// A file of the tree whose every name is gone (unlinked, a memfd): Linux
// adds " (deleted)" to its /proc/self/fd link.
static bool
file_is_unlinked(struct file *f)
{
    struct vnode *vn = f->vn;

    return vn && vn->nlink == 0 && !vn->fops && !vn->generate && !vn->dyn_link && vn != vfs_root;
}

// /proc/self/fd/N: a symlink naming what fd N is.
static long
link_fd(struct vnode *vn, char *buf, size_t len)
{
    struct file *f = fd_get_raw((int)(uint64_t)vn->priv);

    if (!f)
        return -ENOENT;
    if (console_describe(f, buf, len) || pipe_describe(f, buf, len))
        return 0;
    if (f->path && file_is_unlinked(f))
        return snprintf(buf, len, "%s (deleted)", f->path) < (int)len ? 0 : -ENAMETOOLONG;
    if (f->path)
        return strlcpy(buf, f->path, len) < len ? 0 : -ENAMETOOLONG;
    snprintf(buf, len, "anon_inode:[%lu]", f->vn ? f->vn->ino : 0);
    return 0;
}

static struct vnode *
new_node(uint32_t mode)
{
    struct vnode *vn = vnode_new(mode);

    if (!vn)
        panic("procfs: out of memory");
    return vn;
}

static long
fd_dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    const char *end;
    uint64_t fd = parse_u64(name, 10, &end);
    struct vnode *vn;

    if (*end || !name[0] || fd >= FD_MAX || !fd_get_raw(fd))
        return -ENOENT;
    vn = new_node(S_IFLNK | 0700);
    vn->dyn_link = link_fd;
    vn->priv = (void *)fd;
    *out = vn;    // unnamed: freed when the caller puts it
    return 0;
}

// Entry number N is descriptor N, so a listing survives descriptors closing.
static long
fd_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    for (uint64_t fd = *index; fd < FD_MAX; fd++) {
        if (fd_get_raw(fd)) {
            snprintf(name, len, "%d", (int)fd);
            *type = 10;   // DT_LNK
            *index = fd;
            return 0;
        }
    }
    return -ENOENT;
}

static void
add_file(struct vnode *dir, const char *name, long (*gen)(struct vnode *, char **, size_t *), const void *priv)
{
    struct vnode *vn = new_node(S_IFREG | 0444);

    vn->generate = gen;
    vn->priv = (void *)priv;
    dir_link(dir, name, vn);
    vnode_put(vn);
}

static void
add_dynlink(struct vnode *dir, const char *name, long (*fn)(struct vnode *, char *, size_t))
{
    struct vnode *vn = new_node(S_IFLNK | 0777);

    vn->dyn_link = fn;
    dir_link(dir, name, vn);
    vnode_put(vn);
}

static void
make_pid_dir(struct vnode *proc)
{
    char name[16];
    struct vnode *dir, *fd;

    snprintf(name, sizeof(name), "%d", 2);
    dir = dir_mkdir(proc, name, 0555);
    add_dynlink(dir, "exe", link_exe);
    add_dynlink(dir, "cwd", link_cwd);
    add_file(dir, "cmdline", gen_cmdline, NULL);
    add_file(dir, "status", gen_status, NULL);
    add_file(dir, "stat", gen_pid_stat, NULL);
    add_file(dir, "maps", gen_maps, NULL);
    fd = dir_mkdir(dir, "fd", 0500);
    fd->dyn_lookup = fd_dir_lookup;
    fd->dyn_list = fd_dir_list;
}

void
procfs_init(struct vnode *proc)
{
    struct vnode *sys = dir_mkdir(proc, "sys", 0555);
    struct vnode *kernel = dir_mkdir(sys, "kernel", 0555), *vm = dir_mkdir(sys, "vm", 0555);

    make_pid_dir(proc);
    add_dynlink(proc, "self", link_self);
    add_file(proc, "meminfo", gen_meminfo, NULL);
    add_file(proc, "cpuinfo", gen_cpuinfo, NULL);
    add_file(proc, "uptime", gen_uptime, NULL);
    add_file(proc, "stat", gen_stat, NULL);
    add_file(proc, "filesystems", gen_const, "nodev\ttmpfs\nnodev\tproc\n");
    add_file(proc, "mounts", gen_const, "rootfs / rootfs rw 0 0\nproc /proc proc rw 0 0\n");
    add_file(kernel, "hostname", gen_hostname, NULL);
    add_file(kernel, "osrelease", gen_const, "6.1.0-pkgload\n");
    add_file(kernel, "pid_max", gen_const, "4194304\n");
    add_file(kernel, "ngroups_max", gen_const, "65536\n");
    add_file(vm, "overcommit_memory", gen_const, "0\n");
}

void
sysfs_init(struct vnode *sys)
{
    struct vnode *d = dir_mkdir(dir_mkdir(dir_mkdir(sys, "devices", 0555), "system", 0555), "cpu", 0555);

    add_file(d, "online", gen_const, "0\n");
    add_file(d, "possible", gen_const, "0\n");
    add_file(d, "present", gen_const, "0\n");
}
