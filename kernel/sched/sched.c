// The scheduler (sched.h). Each CPU runs its current thread until it
// blocks, exits or its slice ends with another thread waiting; then the
// next thread on its run queue, one taken from another CPU's queue, or its
// idle thread, which halts. A woken thread goes to an idle CPU if one may
// run it (an IPI wakes that CPU), else back to the CPU it last ran on.
// Everything here runs under the kernel lock, which a switch hands from
// one thread to the next on the same CPU.
#include "sched/sched.h"
#include "sched/klock.h"
#include "sched/timer.h"
#include "sched/wait.h"
#include "sched/signal.h"
#include "sched/ptimer.h"
#include "sched/process.h"
#include "sched/thread.h"
#include <linux/time.h>
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "mm/mm.h"
#include "fs/console.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "log.h"

void context_switch(uint64_t *save_rsp, uint64_t next_rsp);   // switch.S

static bool
allowed(const struct thread *t, uint32_t cpu)
{
    return t->affinity & (1ull << cpu);
}

static void
rq_push(struct percpu *c, struct thread *t)
{
    t->rq_next = NULL;
    if (c->rq_tail)
        c->rq_tail->rq_next = t;
    else
        c->rq_head = t;
    c->rq_tail = t;
    c->nr_queued++;
    t->cpu = c->cpu_id;
    t->state = THREAD_RUNNABLE;
}

// The first thread on C's queue that may run on CPU, taken off it.
static struct thread *
rq_take(struct percpu *c, uint32_t cpu)
{
    struct thread *prev = NULL;

    for (struct thread *t = c->rq_head; t; prev = t, t = t->rq_next) {
        if (!allowed(t, cpu))
            continue;
        if (prev)
            prev->rq_next = t->rq_next;
        else
            c->rq_head = t->rq_next;
        if (c->rq_tail == t)
            c->rq_tail = prev;
        c->nr_queued--;
        return t;
    }
    return NULL;
}

static bool
cpu_is_idle(const struct percpu *c)
{
    return c->current == c->idle && !c->nr_queued;
}

// Where a thread that became runnable should go (see the file's header).
static struct percpu *
select_cpu(const struct thread *t)
{
    struct percpu *last = t->cpu >= 0 && t->cpu < (int)num_cpus ? cpus[t->cpu] : NULL;

    if (last && allowed(t, last->cpu_id) && cpu_is_idle(last))
        return last;
    for (uint32_t i = 0; i < num_cpus; i++)
        if (allowed(t, i) && cpu_is_idle(cpus[i]))
            return cpus[i];
    if (last && allowed(t, last->cpu_id))
        return last;
    for (uint32_t i = 0; i < num_cpus; i++)
        if (allowed(t, i))
            return cpus[i];
    return this_cpu();   // an affinity naming no started CPU: sched_set_affinity refuses those
}

// Put T on a run queue and make sure that CPU notices.
static void
place(struct thread *t)
{
    struct percpu *c = select_cpu(t), *me = this_cpu();

    rq_push(c, t);
    if (c != me) {
        lapic_send_ipi(c->lapic_id, IRQ_VEC_RESCHED);
    } else if (me->current == me->idle) {
        me->need_resched = true;
    } else {
        timer_program();   // someone waits now: the running thread's slice counts
    }
}

// Another CPU's queued thread that may run here, for a CPU with nothing to do.
static struct thread *
steal(struct percpu *me)
{
    for (uint32_t i = 0; i < num_cpus; i++) {
        struct thread *t;
        if (cpus[i] == me || !cpus[i]->nr_queued)
            continue;
        if ((t = rq_take(cpus[i], me->cpu_id)))
            return t;
    }
    return NULL;
}

static struct thread *make_idle(struct percpu *c);

static struct thread *
pick_next(struct percpu *c)
{
    struct thread *t = rq_take(c, c->cpu_id);

    if (!t)
        t = steal(c);
    if (!t)
        t = c->idle ? c->idle : make_idle(c);
    return t;
}

// Once on the new thread's stack: free what died, set the timer for the
// new slice.
static void
finish_switch(void)
{
    struct percpu *c = this_cpu();

    if (c->reap) {
        struct thread *dead = c->reap;
        c->reap = NULL;
        if (dead->reap_proc)
            proc_release_autoreaped(dead->proc);
        if (dead->kstack) {     // else the first thread: static, stack and all
            kstack_free(dead->kstack_top);
            fpu_area_free(dead->fpu);
            kfree(dead);
        }
    }
    timer_program();
}

// Charge T the TSC ticks since its mark, as user or system time, and
// count them down on the process's CPU-time itimers if it has any.
static void
charge(struct thread *t, uint64_t now, bool user)
{
    uint64_t d = now - t->mark_tsc;
    struct itimer_k *it = t->proc ? t->proc->itimers : NULL;

    if (user)
        t->utime_tsc += d;
    else
        t->stime_tsc += d;
    t->mark_tsc = now;
    if (it && (it[ITIMER_VIRTUAL].value || it[ITIMER_PROF].value))
        itimer_account(t, user ? clock_tsc_to_ns(d) : 0, user ? 0 : clock_tsc_to_ns(d));
}

static void
switch_to(struct percpu *c, struct thread *prev, struct thread *next)
{
    uint64_t now = rdtsc();

    charge(prev, now, false);
    next->mark_tsc = now;
    next->in_user = false;
    if (prev->proc && prev->state != THREAD_DEAD) {
        fpu_save(prev->fpu);
        prev->fs_base = rdmsr(MSR_FS_BASE);
        prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
    }
    if (next->proc) {
        mm_activate(next->proc->mm);
        fpu_restore(next->fpu);
        wrmsr(MSR_FS_BASE, next->fs_base);
        wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
    }
    if (prev->state == THREAD_DEAD)
        c->reap = prev;
    c->current = next;
    c->kstack_top = next->kstack_top;
    gdt_set_rsp0(c, next->kstack_top);
    next->state = THREAD_RUNNING;
    next->cpu = c->cpu_id;
    c->slice_end = clock_monotonic_ns() + SCHED_SLICE_NS;
    context_switch(&prev->ctx_rsp, next->ctx_rsp);
    finish_switch();
}

__after_boot void
schedule(void)
{
    struct percpu *c = this_cpu();
    struct thread *prev = c->current, *next;

    c->need_resched = false;
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        if (allowed(prev, c->cpu_id))
            rq_push(c, prev);
        else
            place(prev);
    }
    next = pick_next(c);
    if (next == prev) {
        prev->state = THREAD_RUNNING;
        c->slice_end = clock_monotonic_ns() + SCHED_SLICE_NS;
        timer_program();
        return;
    }
    switch_to(c, prev, next);
}

// A stack made to "return" into FN from context_switch: six callee-saved
// registers (zero), FN, and a zero return address for FN itself, so that
// FN starts with the stack aligned as after a call.
static uint64_t
make_context(uint64_t top, void (*fn)(void))
{
    uint64_t *sp = (uint64_t *)top;

    *--sp = 0;
    *--sp = (uint64_t)fn;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    return (uint64_t)sp;
}

// Each CPU's idle thread: run what is queued, else halt until an interrupt,
// with the kernel lock let go so other CPUs carry on.
static __noreturn void
idle_main(void)
{
    finish_switch();
    for (;;) {
        struct percpu *c = this_cpu();
        struct thread *t;
        if (c->nr_queued || c->need_resched) {
            schedule();
            continue;
        }
        if ((t = steal(c))) {        // another CPU has more than it can run now
            rq_push(c, t);
            continue;
        }
        if (!c->cpu_id)
            console_start();    // before the first halt: the host's ^C must find the console up
        c->idling = true;
        klock_release();
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        klock_acquire();
        c->idling = false;
    }
}

static void
init_idle(struct percpu *c, struct thread *t, uint64_t top)
{
    t->kstack = (void *)(top - KSTACK_SIZE);
    t->kstack_top = top;
    t->cpu = c->cpu_id;
    t->affinity = 1ull << c->cpu_id;
    t->state = THREAD_RUNNABLE;
    memcpy(t->name, "swapper", 8);
    t->ctx_rsp = make_context(top, (void (*)(void))idle_main);
    c->idle = t;
}

// The boot CPU's idle thread, made the first time it has nothing to run.
static struct thread *
make_idle(struct percpu *c)
{
    struct thread *t = kzalloc(sizeof(*t));
    uint64_t top = kstack_alloc();

    if (!t || !top)
        panic("sched: no memory for CPU %u's idle thread", c->cpu_id);
    init_idle(c, t, top);
    return t;
}

// A new thread's first moments, on its own stack: finish the switch, then
// leave for the program through its frame (sched_thread_prepare made it).
static __noreturn void
thread_first_run(void)
{
    struct thread *t;

    finish_switch();
    t = current_thread();
    if (t->set_child_tid)       // a fork's child: into its own (copy-on-write) memory
        copy_to_user((void __user *)t->set_child_tid, &t->tid, sizeof(t->tid));
    sched_exit_to_user(t->frame);
    trap_return_to(t->frame);
}

__after_boot void
sched_start(struct thread *t)
{
    t->ctx_rsp = make_context((uint64_t)t->frame, (void (*)(void))thread_first_run);
    t->cpu = this_cpu()->cpu_id;
    place(t);
}

static void
block_timeout(struct timer *tm)
{
    sched_wake(tm->arg, WAKE_TIMEOUT);
}

__after_boot enum wake_reason
sched_block(uint64_t deadline, bool interruptible)
{
    struct thread *t = current_thread();
    struct timer tm = TIMER_INIT(block_timeout, t);

    if ((interruptible && signal_pending(t)) || t->proc->exiting || t->must_die)
        return WAKE_SIGNAL;
    if (deadline != WAIT_FOREVER) {
        if (clock_monotonic_ns() >= deadline)
            return WAKE_TIMEOUT;
        timer_add(&tm, deadline);
    }
    t->wake_reason = WAKE_NONE;
    t->interruptible = interruptible;
    t->state = THREAD_BLOCKED;
    schedule();
    timer_cancel(&tm);
    t->interruptible = false;
    return t->wake_reason;
}

__after_boot void
sched_wake(struct thread *t, enum wake_reason why)
{
    if (t->state != THREAD_BLOCKED)
        return;
    t->wake_reason = why;
    place(t);
}

__after_boot void
sched_kick(struct thread *t)
{
    if (t->state == THREAD_BLOCKED && t->interruptible)
        sched_wake(t, WAKE_SIGNAL);
    else if (t->state == THREAD_RUNNING && t->cpu != (int)this_cpu()->cpu_id)
        lapic_send_ipi(cpus[t->cpu]->lapic_id, IRQ_VEC_RESCHED);
}

// T's process is ending (exit_group, a fatal signal, exec): T must go at
// once, whatever it waits for.
__after_boot void
sched_kick_fatal(struct thread *t)
{
    if (t->state == THREAD_BLOCKED)
        sched_wake(t, WAKE_SIGNAL);
    else
        sched_kick(t);
}

__after_boot void
sched_tick(uint64_t now)
{
    struct percpu *c = this_cpu();

    if (c->nr_queued && (c->current == c->idle || now >= c->slice_end))
        c->need_resched = true;
}

__after_boot __noreturn void
sched_exit_thread(void)
{
    current_thread()->state = THREAD_DEAD;
    schedule();
    panic("sched: a dead thread ran again");
}

__after_boot void
sched_enter_from_user(void)
{
    struct thread *t;
    uint64_t now;

    klock_acquire();
    t = current_thread();
    now = rdtsc();
    charge(t, now, true);
    t->in_user = false;
}

// The thread runs on another CPU than its rseq area says: cpu_id_start and
// cpu_id, the first two fields (linux/rseq.h). A bad area is left alone
// (LINUX-DIFF: Linux sends SIGSEGV).
static void
rseq_update(struct thread *t)
{
    uint32_t ids[2] = { t->cpu, t->cpu };

    if (copy_to_user((void __user *)t->rseq, ids, sizeof(ids)) == 0)
        t->rseq_cpu = t->cpu;
}

__after_boot void
sched_exit_to_user(struct trap_frame *f)
{
    struct thread *t;
    uint64_t now;

    for (;;) {
        if (current_thread()->proc->exiting || current_thread()->must_die)
            thread_leave();
        if (current_thread()->proc->stopped) {
            current_thread()->parked = true;        // until SIGCONT or SIGKILL (proc_continue)
            sched_block(WAIT_FOREVER, false);
            current_thread()->parked = false;
            continue;
        }
        signal_deliver(f);
        if (current_thread()->proc->stopped)
            continue;
        if (!this_cpu()->need_resched)
            break;
        schedule();
    }
    t = current_thread();
    if (t->rseq && t->rseq_cpu != (int)t->cpu)
        rseq_update(t);
    now = rdtsc();
    charge(t, now, false);
    t->in_user = true;
    klock_release();
}

__after_boot void
thread_cpu_times(struct thread *t, uint64_t *user_ns, uint64_t *sys_ns)
{
    uint64_t u = t->utime_tsc, s = t->stime_tsc;

    if (t->state == THREAD_RUNNING) {
        uint64_t d = rdtsc() - t->mark_tsc;
        if (t->in_user)
            u += d;
        else
            s += d;
    }
    *user_ns = clock_tsc_to_ns(u);
    *sys_ns = clock_tsc_to_ns(s);
}

__after_boot void
proc_cpu_times(struct proc *p, uint64_t *user_ns, uint64_t *sys_ns)
{
    *user_ns = p->dead_utime;
    *sys_ns = p->dead_stime;
    for (struct thread *t = p->threads; t; t = t->proc_next) {
        uint64_t u, s;
        thread_cpu_times(t, &u, &s);
        *user_ns += u;
        *sys_ns += s;
    }
}

__after_boot uint64_t
thread_cpu_ns(struct thread *t)
{
    uint64_t u, s;

    thread_cpu_times(t, &u, &s);
    return u + s;
}

static void
rq_remove(struct percpu *c, struct thread *t)
{
    struct thread **pp = &c->rq_head, *prev = NULL;

    for (; *pp; prev = *pp, pp = &(*pp)->rq_next) {
        if (*pp != t)
            continue;
        *pp = t->rq_next;
        if (c->rq_tail == t)
            c->rq_tail = prev;
        c->nr_queued--;
        return;
    }
}

__after_boot void
sched_set_affinity(struct thread *t, uint64_t mask)
{
    t->affinity = mask;
    if (allowed(t, t->cpu))
        return;
    if (t->state == THREAD_RUNNING) {
        if (t == current_thread())
            this_cpu()->need_resched = true;
        else
            lapic_send_ipi(cpus[t->cpu]->lapic_id, IRQ_VEC_RESCHED);
    } else if (t->state == THREAD_RUNNABLE) {
        rq_remove(cpus[t->cpu], t);
        place(t);
    }
}

// An application processor's idle thread, made by the boot CPU before it
// starts it: the top of its stack, where the new CPU begins; 0 if no memory.
__after_boot uint64_t
sched_make_idle(struct percpu *c)
{
    struct thread *t = kzalloc(sizeof(*t));
    uint64_t top = kstack_alloc();

    if (!t || !top) {
        kfree(t);
        return 0;
    }
    init_idle(c, t, top);
    return top;
}

// An application processor, its per-CPU data ready, joins the scheduler
// and idles until given work (smp.c calls this on the new CPU).
__after_boot __noreturn void
sched_idle_loop(void)
{
    struct percpu *c = this_cpu();
    struct thread *idle = c->idle;

    c->current = idle;
    idle->state = THREAD_RUNNING;
    c->kstack_top = idle->kstack_top;
    gdt_set_rsp0(c, idle->kstack_top);
    __asm__ volatile("mov %0, %%rsp; jmp *%1" ::"r"(idle->ctx_rsp + 7 * 8), "r"(idle_main)
                     : "memory");
    __builtin_unreachable();
}
