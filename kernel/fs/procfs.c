// /proc for the one process (pid 2, also reached as /proc/self), its
// threads (/proc/self/task/TID), and the system files programs read:
// meminfo, cpuinfo, stat, uptime, and a few sysctls. Contents are generated
// when the file is opened.
#include "fs/vfs.h"
#include "fs/file.h"
#include "fs/console.h"
#include "fs/pipe.h"
#include "sched/proc.h"
#include "sched/sched.h"
#include "arch/x86_64/smp.h"
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
#include <asm-generic/resource.h>

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
    uint32_t n = smp_cpus_present();

    for (uint32_t i = 0; i < n; i++)
        text_printf(&t, "processor\t: %u\nvendor_id\t: pkgload\nmodel name\t: pkgload virtual CPU\n"
                        "cpu MHz\t\t: %lu.000\ncache size\t: 4096 KB\nphysical id\t: 0\nsiblings\t: %u\n"
                        "core id\t\t: %u\ncpu cores\t: %u\nflags\t\t: fpu sse sse2 syscall nx lm\n\n",
                    i, clock_tsc_hz() / 1000000, n, i, n);
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

    text_printf(&t, "cpu  %lu 0 0 0 0 0 0 0 0 0\n", ticks * smp_cpus_present());
    for (uint32_t i = 0; i < smp_cpus_present(); i++)
        text_printf(&t, "cpu%u %lu 0 0 0 0 0 0 0 0 0\n", i, ticks);
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
    text_printf(&t, "Threads:\t%d\nSigQ:\t0/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n",
                p->nr_threads, p->rlimits[RLIMIT_SIGPENDING].cur, current_thread()->pending.set,
                p->shared_pending.set, current_thread()->sig_blocked);
    text_printf(&t, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t0-%u\n",
                smp_cpus_present() == 64 ? ~0ull : (1ull << smp_cpus_present()) - 1, smp_cpus_present() - 1);
    return text_done(&t, buf, len);
}

// proc(5)'s stat line, for the process (T NULL) or one of its threads:
// times in clock ticks (100 Hz), the thread count, the nice value.
static long
stat_line(struct thread *t, char **buf, size_t *len)
{
    struct proc *p = current_proc();
    struct thread *who = t ? t : p->threads;
    struct text t_ = { 0 };
    uint64_t user, sys;
    char comm[16];

    if (t)
        thread_cpu_times(t, &user, &sys);
    else
        proc_cpu_times(p, &user, &sys);
    thread_comm(who, comm);
    text_printf(&t_, "%d (%s) R %d %d %d 0 -1 4194304 0 0 0 0 %lu %lu 0 0 %d %d %d 0 0 0 0\n",
                t ? t->tid : p->pid, comm, p->ppid, p->pgid, p->sid, user / 10000000, sys / 10000000,
                20 + who->nice, who->nice, p->nr_threads);
    return text_done(&t_, buf, len);
}

static long
gen_pid_stat(struct vnode *vn, char **buf, size_t *len)
{
    return stat_line(NULL, buf, len);
}

static struct vnode *new_node(uint32_t mode);

// /proc/self/task/TID: a directory made at each lookup, its files too, each
// naming its thread by number, so nothing in the tree outlives a thread.
static struct thread *
task_of(struct vnode *vn)
{
    return thread_find((int)(uint64_t)vn->priv);
}

static long
gen_task_stat(struct vnode *vn, char **buf, size_t *len)
{
    struct thread *t = task_of(vn);

    return t ? stat_line(t, buf, len) : -ESRCH;
}

static long
gen_task_comm(struct vnode *vn, char **buf, size_t *len)
{
    struct thread *t = task_of(vn);
    struct text text = { 0 };
    char comm[16];

    if (!t)
        return -ESRCH;
    thread_comm(t, comm);
    text_printf(&text, "%s\n", comm);
    return text_done(&text, buf, len);
}

// Writing comm names the thread, as PR_SET_NAME does: 15 bytes at most, a
// trailing newline dropped (pthread_setname_np for another thread writes here).
static long
store_task_comm(struct vnode *vn, const char *buf, size_t len)
{
    struct thread *t = task_of(vn);
    size_t n = MIN(len, 15);

    if (!t)
        return -ESRCH;
    memset(t->name, 0, sizeof(t->name));
    memcpy(t->name, buf, n);
    if (n && t->name[n - 1] == '\n')
        t->name[n - 1] = 0;
    return 0;
}

static const char *const task_files[] = { "comm", "stat" };

static long
task_file_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    struct vnode *vn;

    if (strcmp(name, "comm") && strcmp(name, "stat"))
        return -ENOENT;
    vn = new_node(S_IFREG | (name[0] == 'c' ? 0644 : 0444));
    vn->generate = name[0] == 'c' ? gen_task_comm : gen_task_stat;
    vn->store = name[0] == 'c' ? store_task_comm : NULL;
    vn->priv = dir->priv;
    *out = vn;      // unnamed: freed when the caller puts it
    return 0;
}

static long
task_file_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    if (*index >= ARRAY_SIZE(task_files))
        return -ENOENT;
    strlcpy(name, task_files[*index], len);
    *type = 8;      // DT_REG
    return 0;
}

static long
task_dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    const char *end;
    uint64_t tid = parse_u64(name, 10, &end);
    struct vnode *vn;

    if (*end || !name[0] || tid > INT32_MAX || !thread_find(tid))
        return -ENOENT;
    vn = new_node(S_IFDIR | 0555);
    vn->dyn_lookup = task_file_lookup;
    vn->dyn_list = task_file_list;
    vn->priv = (void *)tid;
    *out = vn;
    return 0;
}

// Entry number N is the N-th thread, oldest first.
static long
task_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    struct proc *p = current_proc();
    int ids[256], n = 0;

    for (struct thread *t = p->threads; t && n < (int)ARRAY_SIZE(ids); t = t->proc_next)
        ids[n++] = t->tid;
    if (*index >= (uint64_t)n)
        return -ENOENT;
    snprintf(name, len, "%d", ids[n - 1 - *index]);     // the list is newest first
    *type = 4;      // DT_DIR
    return 0;
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

// /proc/PID/comm is the main thread's (tid PID), readable and writable as
// its /proc/PID/task/PID/comm.
static void
add_comm(struct vnode *dir, int pid)
{
    struct vnode *vn = new_node(S_IFREG | 0644);

    vn->generate = gen_task_comm;
    vn->store = store_task_comm;
    vn->priv = (void *)(uint64_t)pid;
    dir_link(dir, "comm", vn);
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
    add_comm(dir, 2);
    fd = dir_mkdir(dir, "fd", 0500);
    fd->dyn_lookup = fd_dir_lookup;
    fd->dyn_list = fd_dir_list;
    fd = dir_mkdir(dir, "task", 0555);
    fd->dyn_lookup = task_dir_lookup;
    fd->dyn_list = task_dir_list;
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

// "0", or "0-N" for N+1 CPUs (sysconf(_SC_NPROCESSORS_ONLN) reads "online").
static long
gen_cpu_list(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    uint32_t n = smp_cpus_present();

    if (n == 1)
        text_printf(&t, "0\n");
    else
        text_printf(&t, "0-%u\n", n - 1);
    return text_done(&t, buf, len);
}

void
sysfs_init(struct vnode *sys)
{
    struct vnode *d = dir_mkdir(dir_mkdir(dir_mkdir(sys, "devices", 0555), "system", 0555), "cpu", 0555);

    add_file(d, "online", gen_cpu_list, NULL);
    add_file(d, "possible", gen_cpu_list, NULL);
    add_file(d, "present", gen_cpu_list, NULL);
}
