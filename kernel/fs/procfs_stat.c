// /proc/PID/stat, statm and status (and task/TID's stat and status): a
// process's state, times, ids and signals, and its memory as mm/usage.c
// counts it from its regions and page table, in proc(5)'s formats: stat's
// 52 fields, statm's 7 page counts, status's Vm* lines in kB.
#include "fs/procfs_text.h"
#include "fs/vfs.h"
#include "fs/file.h"
#include "sched/proc.h"
#include "sched/groups.h"
#include "sched/sched.h"
#include "mm/vm.h"
#include "mm/usage.h"
#include "drivers/clock.h"
#include "arch/x86_64/smp.h"
#include "layout.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/resource.h>

#define NS_PER_TICK 10000000ul // clock ticks of 100 Hz (sysconf(_SC_CLK_TCK))
#define KB(pages)   ((pages) * (PAGE_SIZE / 1024))

static char
state_letter(const struct proc *p, const struct thread *t)
{
    if (p->zombie)
        return 'Z';
    return t && t->state == THREAD_BLOCKED ? 'S' : 'R';
}

// MM's use, or all zeros for a process that has none left (a zombie), as Linux shows it.
static void
usage_of(struct proc *p, struct mm_usage *u)
{
    memset(u, 0, sizeof(*u));
    if (p->mm && !p->zombie)
        mm_usage(p->mm, u);
}

static uint64_t
rss_of(const struct mm_usage *u)
{
    return u->rss_anon + u->rss_file + u->rss_shmem;
}

// Signals ignored (IGN) and caught (a handler), as stat's bitmaps: bit (sig - 1).
static void
signal_dispositions(const struct proc *p, uint64_t *ignored, uint64_t *caught)
{
    *ignored = *caught = 0;
    for (int sig = 1; sig <= NSIG_LINUX; sig++) {
        uint64_t h = p->sigactions[sig].handler, bit = 1ull << (sig - 1);
        if (h == 1)         // SIG_IGN
            *ignored |= bit;
        else if (h != 0)    // not SIG_DFL
            *caught |= bit;
    }
}

// Fields 1-22: ids, state, times in ticks, priority, threads, start time.
static void
stat_head(struct text *text, struct proc *p, struct thread *t, bool of_thread)
{
    uint64_t user = p->dead_utime, sys = p->dead_stime;
    char comm[16] = "";

    if (of_thread)
        thread_cpu_times(t, &user, &sys);
    else if (!p->zombie)
        proc_cpu_times(p, &user, &sys);
    if (t)
        thread_comm(t, comm);
    text_printf(text, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %lu %lu %lu %lu ",
                of_thread ? t->tid : p->pid, comm, state_letter(p, t), p->ppid, p->pgid, p->sid,
                user / NS_PER_TICK, sys / NS_PER_TICK, p->child_utime / NS_PER_TICK,
                p->child_stime / NS_PER_TICK);
    text_printf(text, "%d %d %d 0 %lu ", 20 + (t ? t->nice : 0), t ? t->nice : 0, p->nr_threads,
                p->start_ns / NS_PER_TICK);
}

// Fields 23-52: memory, signals, scheduling, the program's addresses, exit code.
static void
stat_tail(struct text *text, struct proc *p, struct thread *t)
{
    struct mm_usage u;
    struct mm *mm = p->mm && !p->zombie ? p->mm : NULL;
    uint64_t ignored, caught, pending = p->shared_pending.set | (t ? t->pending.set : 0);

    usage_of(p, &u);
    signal_dispositions(p, &ignored, &caught);
    text_printf(text, "%lu %lu %lu %lu %lu %lu 0 0 ", u.total * PAGE_SIZE, rss_of(&u),
                p->rlimits[RLIMIT_RSS].cur, u.start_code, u.end_code, mm ? mm->start_stack : 0);
    text_printf(text, "%lu %lu %lu %lu 0 0 0 %d %d 0 %d 0 0 0 ", pending, t ? t->sig_blocked : 0,
                ignored, caught, p->exit_signal, t ? t->cpu : 0, t ? t->policy : 0);
    text_printf(text, "%lu %lu %lu %lu %lu %lu %lu %d\n", u.start_data, u.end_data,
                mm ? mm->brk_start : 0, mm ? mm->arg_start : 0, mm ? mm->arg_end : 0,
                mm ? mm->env_start : 0, mm ? mm->env_end : 0, p->zombie ? p->exit_code : 0);
}

// proc(5)'s stat line, for the process or (TID) one of its threads.
long
procfs_gen_stat(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = procfs_proc_of(vn);
    struct thread *t = procfs_thread_of(vn);
    bool of_thread = (uint64_t)vn->priv >> 32;
    struct text text = { 0 };

    if (!p || (of_thread && !t))
        return -ESRCH;
    stat_head(&text, p, t, of_thread);
    stat_tail(&text, p, t);
    return text_done(&text, buf, len);
}

// statm: size resident shared text lib data dt, in pages (lib and dt are 0 since Linux 2.6).
long
procfs_gen_statm(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = procfs_proc_of(vn);
    struct text text = { 0 };
    struct mm_usage u;

    if (!p)
        return -ESRCH;
    usage_of(p, &u);
    text_printf(&text, "%lu %lu %lu %lu 0 %lu 0\n", u.total, rss_of(&u), u.rss_file + u.rss_shmem,
                (u.end_code - u.start_code) / PAGE_SIZE, u.data + u.stack);
    return text_done(&text, buf, len);
}

// status's memory lines, in Linux's order and widths; nothing is locked, pinned or swapped.
static void
status_vm(struct text *text, struct proc *p)
{
    struct mm_usage u;
    uint64_t exe;

    if (!p->mm || p->zombie)
        return;         // Linux prints none for a process without memory
    usage_of(p, &u);
    exe = (u.end_code - u.start_code) / PAGE_SIZE;
    text_printf(text, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n",
                KB(u.peak_total), KB(u.total), 0ul, 0ul);
    text_printf(text, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\n", KB(u.peak_rss),
                KB(rss_of(&u)), KB(u.rss_anon));
    text_printf(text, "RssFile:\t%8lu kB\nRssShmem:\t%8lu kB\nVmData:\t%8lu kB\n", KB(u.rss_file),
                KB(u.rss_shmem), KB(u.data));
    text_printf(text, "VmStk:\t%8lu kB\nVmExe:\t%8lu kB\nVmLib:\t%8lu kB\n", KB(u.stack), KB(exe),
                KB(u.exec > exe ? u.exec - exe : 0));
    text_printf(text, "VmPTE:\t%8lu kB\nVmSwap:\t%8lu kB\n", u.table_bytes / 1024, 0ul);
}

long
procfs_gen_status(struct vnode *vn, char **buf, size_t *len)
{
    struct proc *p = procfs_proc_of(vn);
    struct thread *t = procfs_thread_of(vn);
    struct text text = { 0 };
    uint32_t cpus = smp_cpus_present();
    char comm[16] = "";

    if (!p)
        return -ESRCH;
    if (t)
        thread_comm(t, comm);
    text_printf(&text, "Name:\t%s\nUmask:\t%04o\nState:\t%c\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n", comm,
                p->umask, state_letter(p, t), p->pid, t ? t->tid : p->pid);
    text_printf(&text, "PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
                p->ppid, p->creds.ruid, p->creds.euid, p->creds.suid, p->creds.fsuid, p->creds.rgid,
                p->creds.egid, p->creds.sgid, p->creds.fsgid);
    text_printf(&text, "FDSize:\t%d\nGroups:\t", FD_MAX);
    for (int i = 0; p->creds.groups && i < p->creds.groups->count; i++)
        text_printf(&text, i ? " %u" : "%u", p->creds.groups->gids[i]);
    text_printf(&text, " \n");         // Linux ends the list with a space, an empty one too
    status_vm(&text, p);
    text_printf(&text,
                "Threads:\t%d\nSigQ:\t0/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n",
                p->nr_threads, p->rlimits[RLIMIT_SIGPENDING].cur, t ? t->pending.set : 0,
                p->shared_pending.set, t ? t->sig_blocked : 0);
    text_printf(&text, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t0-%u\n",
                (unsigned long)(cpus == 64 ? ~0ull : (1ull << cpus) - 1), cpus - 1);
    return text_done(&text, buf, len);
}
