// /proc's system files programs read (meminfo, cpuinfo, stat, uptime, a
// few sysctls) and /sys's CPU lists; the per-process folders are in
// fs/procfs_pid.c. Contents are generated when the file is opened.
#include "fs/vfs.h"
#include "uts.h"
#include "fs/procfs_text.h"
#include "fs/file.h"
#include "fs/console.h"
#include "fs/pipe.h"
#include "fs/inotify.h"
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

#define STRINGIFY(x)   #x
#define NUMBER_LINE(x) STRINGIFY(x) "\n" // a constant as /proc/sys prints it

#define GEN_MAX 65536

void
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

void
text_byte(struct text *t, char c)
{
    if (!t->buf && !(t->buf = kmalloc(t->cap = GEN_MAX)))
        return;
    if (t->len < t->cap - 1)
        t->buf[t->len++] = c;
}

long
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
    text_printf(
        &t,
        "Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n");
    text_printf(&t, "SwapTotal:             0 kB\nSwapFree:              0 kB\n");
    return text_done(&t, buf, len);
}

static long
gen_cpuinfo(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };
    uint32_t n = smp_cpus_present();

    for (uint32_t i = 0; i < n; i++)
        text_printf(
            &t,
            "processor\t: %u\nvendor_id\t: pkgload\nmodel name\t: pkgload virtual CPU\n"
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

    text_printf(&t, "%s\n", uts_nodename());
    return text_done(&t, buf, len);
}

static long
gen_const(struct vnode *vn, char **buf, size_t *len)
{
    struct text t = { 0 };

    text_printf(&t, "%s", (const char *)vn->priv);
    return text_done(&t, buf, len);
}

struct vnode *
procfs_node(uint32_t mode)
{
    struct vnode *vn = vnode_new(mode);

    if (!vn)
        panic("procfs: out of memory");
    return vn;
}

static void
add_file(struct vnode *dir, const char *name, long (*gen)(struct vnode *, char **, size_t *),
         const void *priv)
{
    struct vnode *vn = procfs_node(S_IFREG | 0444);

    vn->generate = gen;
    vn->priv = (void *)priv;
    dir_link(dir, name, vn);
    vnode_put(vn);
}

static void
add_dynlink(struct vnode *dir, const char *name, long (*fn)(struct vnode *, char *, size_t))
{
    struct vnode *vn = procfs_node(S_IFLNK | 0777);

    vn->dyn_link = fn;
    dir_link(dir, name, vn);
    vnode_put(vn);
}

void
procfs_init(struct vnode *proc)
{
    struct vnode *sys = dir_mkdir(proc, "sys", 0555);
    struct vnode *kernel = dir_mkdir(sys, "kernel", 0555), *vm = dir_mkdir(sys, "vm", 0555);
    struct vnode *inotify = dir_mkdir(dir_mkdir(sys, "fs", 0555), "inotify", 0555);

    proc->dyn_lookup = procfs_pid_lookup;     // the numbered folders, one per process
    proc->dyn_list = procfs_pid_list;
    add_dynlink(proc, "self", procfs_link_self);
    add_dynlink(proc, "thread-self", procfs_link_thread_self);
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
    add_file(inotify, "max_queued_events", gen_const, NUMBER_LINE(INOTIFY_MAX_QUEUED_EVENTS));
    add_file(inotify, "max_user_instances", gen_const, NUMBER_LINE(INOTIFY_MAX_USER_INSTANCES));
    add_file(inotify, "max_user_watches", gen_const, NUMBER_LINE(INOTIFY_MAX_USER_WATCHES));
    proc_net_init(proc);
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
    struct vnode *d =
        dir_mkdir(dir_mkdir(dir_mkdir(sys, "devices", 0555), "system", 0555), "cpu", 0555);

    add_file(d, "online", gen_cpu_list, NULL);
    add_file(d, "possible", gen_cpu_list, NULL);
    add_file(d, "present", gen_cpu_list, NULL);
}
