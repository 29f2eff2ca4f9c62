// /proc/PID for every process (and /proc/self, /proc/thread-self): each
// folder, and everything in it, is made at the lookup that names it and
// names its process (and thread) by number, so nothing in the tree outlives
// a process: a file of one that ended reads ESRCH. Its files: cmdline,
// environ, comm, stat, statm, status (fs/procfs_stat.c), maps, the exe and cwd links, fd/ and task/.
#include "fs/procfs_text.h"
#include "fs/vfs.h"
#include "fs/file.h"
#include "fs/console.h"
#include "fs/pipe.h"
#include "sched/proc.h"
#include "sched/groups.h"
#include "sched/sched.h"
#include "mm/vm.h"
#include "mm/mm.h"
#include "mm/heap.h"
#include "arch/x86_64/smp.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <asm-generic/resource.h>
#include <linux/stat.h>

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

// A node's process and thread: PID in the low 32 bits of priv, TID (0 for
// a process's own files) in the high.
static void *
name_of(int pid, int tid)
{
    return (void *)((uint64_t)(uint32_t)tid << 32 | (uint32_t)pid);
}

struct proc *
procfs_proc_of(struct vnode *vn)
{
    return proc_find((int)(uint32_t)(uint64_t)vn->priv);
}

struct thread *
procfs_thread_of(struct vnode *vn)
{
    struct proc *p = procfs_proc_of(vn);
    int tid = (int)((uint64_t)vn->priv >> 32);

    if (!p || !p->threads)
        return NULL;
    return tid ? proc_find_thread(p, tid) : proc_find_thread(p, p->pid) ?: p->threads;
}

static long
parse_number(const char *name, int *n)
{
    const char *end;
    uint64_t v = parse_u64(name, 10, &end);

    if (*end || !name[0] || v > INT32_MAX)
        return -ENOENT;
    *n = v;
    return 0;
}

// The NUL-separated strings of [start, end) in P's memory: cmdline, environ.
static long
gen_strings(struct proc *p, uint64_t start, uint64_t end, char **buf, size_t *len)
{
    size_t n = end > start ? MIN(end - start, 65536) : 0;
    char *b = kmalloc(n + 1);

    if (!b)
        return -ENOMEM;
    *len = p->zombie || !p->mm ? 0 : mm_read(p->mm, start, b, n);
    *buf = b;
    return 0;
}

static long
gen_cmdline(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = procfs_proc_of(vn);

    return p ? gen_strings(p, p->mm ? p->mm->arg_start : 0, p->mm ? p->mm->arg_end : 0, buf, len)
             : -ESRCH;
}

static long
gen_environ(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = procfs_proc_of(vn);

    return p ? gen_strings(p, p->mm ? p->mm->env_start : 0, p->mm ? p->mm->env_end : 0, buf, len)
             : -ESRCH;
}

static long
gen_comm(struct vnode *vn, char **buf, size_t *len)
{
    struct thread *t = procfs_thread_of(vn);
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
store_comm(struct vnode *vn, const char *buf, size_t len)
{
    struct thread *t = procfs_thread_of(vn);
    size_t n = MIN(len, 15);

    if (!t)
        return -ESRCH;
    memset(t->name, 0, sizeof(t->name));
    memcpy(t->name, buf, n);
    if (n && t->name[n - 1] == '\n')
        t->name[n - 1] = 0;
    return 0;
}

static long
gen_maps(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = procfs_proc_of(vn);
    struct text t = { 0 };

    if (!p)
        return -ESRCH;
    for (struct vma *v = p->mm && !p->zombie ? p->mm->vmas : NULL; v; v = v->next) {
        const char *name = v->flags & VMA_STACK  ? "[stack]"
                           : v->flags & VMA_HEAP ? "[heap]"
                           : v->flags & VMA_VDSO ? "[vdso]"
                           : v->flags & VMA_VVAR ? "[vvar]"
                           : v->path             ? v->path
                                                 : "";
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
    struct proc *p = procfs_proc_of(vn);

    if (!p || p->zombie)
        return -ENOENT;
    return strlcpy(buf, p->exe_path, len) < len ? 0 : -ENAMETOOLONG;
}

static long
link_cwd(struct vnode *vn, char *buf, size_t len)
{
    struct proc *p = procfs_proc_of(vn);
    struct vnode *cwd;
    long ret;

    if (!p || p->zombie)
        return -ENOENT;
    if (p == current_proc() || !p->cwd_vn || p->cwd_pending) {
        if (p != current_proc())
            return strlcpy(buf, p->cwd_pending ? p->cwd_pending : "/", len) < len ? 0
                                                                                  : -ENAMETOOLONG;
        cwd = vfs_cwd();
    } else {
        cwd = vnode_get(p->cwd_vn);
    }
    ret = vnode_path(cwd, buf, len);
    vnode_put(cwd);
    return ret < 0 ? ret : 0;
}

// A file of the tree whose every name is gone (unlinked, a memfd): Linux
// adds " (deleted)" to its /proc/PID/fd link.
static bool
file_is_unlinked(struct file *f)
{
    struct vnode *vn = f->vn;

    return vn && vn->nlink == 0 && !vn->fops && !vn->generate && !vn->dyn_link && vn != vfs_root;
}

// Descriptor FD of the process DIR names, or NULL.
static struct file *
file_of(struct vnode *vn, int fd)
{
    struct proc *p = procfs_proc_of(vn);

    if (!p || !p->fds || fd < 0 || fd >= FD_MAX)
        return NULL;
    return p->fds->files[fd];
}

// /proc/PID/fd/N: a symlink naming what descriptor N is.
static long
link_fd(struct vnode *vn, char *buf, size_t len)
{
    struct file *f = file_of(vn, (int)((uint64_t)vn->priv >> 32));

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

static long
fd_dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    struct vnode *vn;
    int fd;

    if (parse_number(name, &fd) < 0 || !file_of(dir, fd))
        return -ENOENT;
    vn = procfs_node(S_IFLNK | 0700);
    vn->dyn_link = link_fd;
    vn->priv = name_of((int)(uint64_t)dir->priv, fd); // the descriptor where a tid would be
    *out = vn; // unnamed: freed when the caller puts it
    return 0;
}

// Entry number N is descriptor N, so a listing survives descriptors closing.
static long
fd_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    for (uint64_t fd = *index; fd < FD_MAX; fd++) {
        if (file_of(dir, fd)) {
            snprintf(name, len, "%d", (int)fd);
            *type = DT_LNK;
            *index = fd;
            return 0;
        }
    }
    return -ENOENT;
}

struct entry {
    const char *name;
    uint32_t mode;
    long (*generate)(struct vnode *, char **, size_t *);
    long (*store)(struct vnode *, const char *, size_t);
    long (*link)(struct vnode *, char *, size_t);
    long (*lookup)(struct vnode *, const char *, struct vnode **);
    long (*list)(struct vnode *, uint64_t *, char *, size_t, uint32_t *);
};

static long task_dir_lookup(struct vnode *dir, const char *name, struct vnode **out);
static long task_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len,
                          uint32_t *type);
static long thread_dir_lookup(struct vnode *dir, const char *name, struct vnode **out);
static long thread_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len,
                            uint32_t *type);

static const struct entry pid_entries[] = {
    { "cmdline", S_IFREG | 0444, .generate = gen_cmdline },
    { "comm", S_IFREG | 0644, .generate = gen_comm, .store = store_comm },
    { "coredump_filter", S_IFREG | 0644, .generate = procfs_gen_coredump_filter,
      .store = procfs_store_coredump_filter },
    { "cwd", S_IFLNK | 0777, .link = link_cwd },
    { "environ", S_IFREG | 0400, .generate = gen_environ },
    { "exe", S_IFLNK | 0777, .link = link_exe },
    { "fd", S_IFDIR | 0500, .lookup = fd_dir_lookup, .list = fd_dir_list },
    { "maps", S_IFREG | 0444, .generate = gen_maps },
    { "stat", S_IFREG | 0444, .generate = procfs_gen_stat },
    { "statm", S_IFREG | 0444, .generate = procfs_gen_statm },
    { "status", S_IFREG | 0444, .generate = procfs_gen_status },
    { "task", S_IFDIR | 0555, .lookup = task_dir_lookup, .list = task_dir_list },
};

// A thread's folder (task/TID) has the files that are per thread.
static const struct entry tid_entries[] = {
    { "comm", S_IFREG | 0644, .generate = gen_comm, .store = store_comm },
    { "stat", S_IFREG | 0444, .generate = procfs_gen_stat },
    { "status", S_IFREG | 0444, .generate = procfs_gen_status },
};

static struct vnode *
make_entry(const struct entry *e, void *priv)
{
    struct vnode *vn = procfs_node(e->mode);

    vn->generate = e->generate;
    vn->store = e->store;
    vn->dyn_link = e->link;
    vn->dyn_lookup = e->lookup;
    vn->dyn_list = e->list;
    vn->priv = priv;
    return vn;
}

static long
lookup_entry(const struct entry *table, size_t n, struct vnode *dir, const char *name,
             struct vnode **out)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(table[i].name, name)) {
            *out = make_entry(&table[i], dir->priv);
            return 0;
        }
    }
    return -ENOENT;
}

static long
list_entry(const struct entry *table, size_t n, uint64_t *index, char *name, size_t len,
           uint32_t *type)
{
    if (*index >= n)
        return -ENOENT;
    strlcpy(name, table[*index].name, len);
    *type = S_ISDIR(table[*index].mode) ? DT_DIR : S_ISLNK(table[*index].mode) ? DT_LNK : DT_REG;
    return 0;
}

// A /proc/TID folder (a TID in priv) is empty once its thread has ended.
static long
pid_dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    bool of_thread = (uint64_t)dir->priv >> 32;

    if (!procfs_proc_of(dir) || (of_thread && !procfs_thread_of(dir)))
        return -ENOENT;
    return lookup_entry(pid_entries, ARRAY_SIZE(pid_entries), dir, name, out);
}

static long
pid_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    return list_entry(pid_entries, ARRAY_SIZE(pid_entries), index, name, len, type);
}

static long
thread_dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    return procfs_thread_of(dir)
               ? lookup_entry(tid_entries, ARRAY_SIZE(tid_entries), dir, name, out)
               : -ENOENT;
}

static long
thread_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    return list_entry(tid_entries, ARRAY_SIZE(tid_entries), index, name, len, type);
}

static struct vnode *
make_dir(void *priv, long (*lookup)(struct vnode *, const char *, struct vnode **),
         long (*list)(struct vnode *, uint64_t *, char *, size_t, uint32_t *))
{
    struct vnode *vn = procfs_node(S_IFDIR | 0555);

    vn->dyn_lookup = lookup;
    vn->dyn_list = list;
    vn->priv = priv;
    return vn;
}

static long
task_dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    struct proc *p = procfs_proc_of(dir);
    int tid;

    if (!p || parse_number(name, &tid) < 0 || !proc_find_thread(p, tid))
        return -ENOENT;
    *out = make_dir(name_of(p->pid, tid), thread_dir_lookup, thread_dir_list);
    return 0;
}

// Entry number N is the N-th thread, oldest first (the list is newest first).
static long
task_dir_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    struct proc *p = procfs_proc_of(dir);
    uint64_t n = 0;

    if (!p)
        return -ENOENT;
    for (struct thread *t = p->threads; t; t = t->proc_next)
        n++;
    if (*index >= n)
        return -ENOENT;
    n -= *index + 1;
    for (struct thread *t = p->threads; t; t = t->proc_next, n--) {
        if (!n) {
            snprintf(name, len, "%d", t->tid);
            *type = DT_DIR;
            return 0;
        }
    }
    return -ENOENT;
}

// The live process one of whose threads is TID, or NULL.
static struct proc *
proc_of_thread(int tid)
{
    for (struct proc *p = proc_first(); p; p = p->all_next)
        if (!p->zombie && proc_find_thread(p, tid))
            return p;
    return NULL;
}

// /proc/PID, and /proc/TID for a thread that is not its process's first:
// as on Linux, that name resolves (though the listing has only processes)
// to a folder like its process's whose per-thread files (comm, stat,
// status) are the thread's.
long
procfs_pid_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    struct proc *p;
    int pid;

    if (parse_number(name, &pid) < 0)
        return -ENOENT;
    if (proc_find(pid)) {
        *out = make_dir(name_of(pid, 0), pid_dir_lookup, pid_dir_list);
        return 0;
    }
    if (!(p = proc_of_thread(pid)))
        return -ENOENT;
    *out = make_dir(name_of(p->pid, pid), pid_dir_lookup, pid_dir_list);
    return 0;
}

// Entry number N is the process with the N-th smallest pid... in list
// order: the first program, then the others newest first.
long
procfs_pid_list(struct vnode *dir, uint64_t *index, char *name, size_t len, uint32_t *type)
{
    uint64_t i = 0;

    for (struct proc *p = proc_first(); p; p = p->all_next, i++) {
        if (i == *index) {
            snprintf(name, len, "%d", p->pid);
            *type = DT_DIR;
            return 0;
        }
    }
    return -ENOENT;
}

long
procfs_link_self(struct vnode *vn, char *buf, size_t len)
{
    snprintf(buf, len, "%d", current_proc()->pid);
    return 0;
}

long
procfs_link_thread_self(struct vnode *vn, char *buf, size_t len)
{
    snprintf(buf, len, "%d/task/%d", current_proc()->pid, current_thread()->tid);
    return 0;
}
