// Process timers (ptimer.h). Clock-based ones are kernel timers on the
// monotonic clock (a realtime deadline is converted when armed); when one
// fires it queues its signal and re-arms itself one interval after its last
// deadline, counting the intervals it missed as overruns. The CPU-time
// itimers count down as the scheduler charges CPU time to the process's
// threads, and a CPU running one of its threads sets its timer so that a
// thread computing without syscalls still enters the kernel to be charged.
#include "sched/ptimer.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "sched/sched.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "syscalls/timespec.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/siginfo.h>
#include <linux/time.h>
#include <asm/signal.h>

#define MAX_POSIX_TIMERS 4096

static const int itimer_sig[3] = { SIGALRM, SIGVTALRM, SIGPROF };

// The next deadline after the one that just passed, and how many were missed.
static uint64_t
next_deadline(uint64_t deadline, uint64_t interval, uint64_t now, int *missed)
{
    uint64_t n = now >= deadline ? (now - deadline) / interval : 0;

    *missed = n > INT32_MAX ? INT32_MAX : (int)n;
    return deadline + (n + 1) * interval;
}

static void
itimer_real_fired(struct timer *tm)
{
    struct proc *p = tm->arg;
    struct itimer_k *it = &p->itimers[ITIMER_REAL];
    struct sig_info info = { .code = SI_KERNEL };
    int missed;

    signal_send_proc(p, SIGALRM, &info);
    if (!it->interval) {
        it->value = 0;
        return;
    }
    it->value = next_deadline(it->value, it->interval, clock_monotonic_ns(), &missed);
    timer_add(tm, it->value);
}

__after_boot long
itimer_get(int which, uint64_t *value, uint64_t *interval)
{
    struct proc *p = current_proc();
    struct itimer_k *it;

    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return -EINVAL;
    it = &p->itimers[which];
    *interval = it->interval;
    *value = it->value;
    if (which == ITIMER_REAL && it->value) {
        uint64_t now = clock_monotonic_ns();
        *value = it->value > now ? it->value - now : 1;     // due: as good as now
    }
    return 0;
}

__after_boot long
itimer_set(int which, uint64_t value, uint64_t interval, uint64_t *old_value,
           uint64_t *old_interval)
{
    struct proc *p = current_proc();
    struct itimer_k *it;
    long ret;

    if ((ret = itimer_get(which, old_value, old_interval)) < 0)
        return ret;
    it = &p->itimers[which];
    it->interval = interval;
    if (which != ITIMER_REAL) {
        it->value = value;
        timer_program();        // this CPU runs one of the process's threads: look in time
        return 0;
    }
    p->itimer_real.fn = itimer_real_fired;
    p->itimer_real.arg = p;
    timer_cancel(&p->itimer_real);
    it->value = value ? add_ns_saturating(clock_monotonic_ns(), value) : 0;
    if (value)
        timer_add(&p->itimer_real, it->value);
    return 0;
}

// Charge NS to a CPU-time itimer; its signal when it runs out.
static void
charge(struct proc *p, int which, uint64_t ns)
{
    struct itimer_k *it = &p->itimers[which];
    struct sig_info info = { .code = SI_KERNEL };

    if (!it->value)
        return;
    if (ns < it->value) {
        it->value -= ns;
        return;
    }
    signal_send_proc(p, itimer_sig[which], &info);
    it->value = it->interval ? it->interval - (ns - it->value) % it->interval : 0;
}

__after_boot void
itimer_account(struct thread *t, uint64_t user_ns, uint64_t sys_ns)
{
    struct proc *p = t->proc;

    charge(p, ITIMER_VIRTUAL, user_ns);
    charge(p, ITIMER_PROF, user_ns + sys_ns);
}

__after_boot uint64_t
itimer_cpu_deadline(struct thread *t)
{
    struct proc *p = t->proc;
    uint64_t v, left = UINT64_MAX;

    if (!p)
        return UINT64_MAX;
    if ((v = p->itimers[ITIMER_VIRTUAL].value))
        left = v;
    if ((v = p->itimers[ITIMER_PROF].value) && v < left)
        left = v;
    return left == UINT64_MAX ? left : add_ns_saturating(clock_monotonic_ns(), left);
}

// A POSIX timer's expiry: its signal, unless the last one is still pending
// (then one more overrun), and the next deadline.
static void
posix_timer_fired(struct timer *tm)
{
    struct posix_timer *pt = tm->arg;
    struct sig_info info = { .code = SI_TIMER, .timerid = pt->id, .value = pt->value };
    int missed = 0;

    if (pt->interval)
        timer_add(tm, next_deadline(tm->deadline, pt->interval, clock_monotonic_ns(), &missed));
    if (pt->notify == SIGEV_NONE)
        return;
    if (pt->queued) {
        int64_t o = (int64_t)pt->overrun + 1 + missed;
        pt->overrun = o > INT32_MAX ? INT32_MAX : (int)o;
        return;
    }
    pt->overrun = missed;
    info.overrun = missed;
    if (pt->notify == SIGEV_THREAD_ID) {
        struct thread *t = proc_find_thread(pt->proc, pt->tid);
        if (!t || signal_send_thread(t, pt->sig, &info) < 0)
            return;
    } else if (signal_send_proc(pt->proc, pt->sig, &info) < 0) {
        return;
    }
    pt->queued = true;
}

__after_boot struct posix_timer *
posix_timer_find(int id)
{
    for (struct posix_timer *pt = current_proc()->posix_timers; pt; pt = pt->next)
        if (pt->id == id)
            return pt;
    return NULL;
}

// Its signal was taken: the expiries counted since it was queued are its
// si_overrun, and what timer_getoverrun reports until the next one.
__after_boot int
posix_timer_delivered(struct proc *p, int id)
{
    for (struct posix_timer *pt = p->posix_timers; pt; pt = pt->next) {
        if (pt->id == id) {
            pt->queued = false;
            pt->overrun_seen = pt->overrun;
            pt->overrun = 0;
            return pt->overrun_seen;
        }
    }
    return 0;
}

__after_boot long
posix_timer_create(int clock, const struct sigevent *sev, int *id)
{
    struct proc *p = current_proc();
    struct posix_timer *pt;

    if (p->next_timer_id >= MAX_POSIX_TIMERS)
        return -EAGAIN;
    if (!(pt = kzalloc(sizeof(*pt))))
        return -EAGAIN;
    pt->id = p->next_timer_id++;
    pt->clock = clock;
    pt->proc = p;
    pt->timer = (struct timer)TIMER_INIT(posix_timer_fired, pt);
    if (sev) {
        pt->notify = sev->sigev_notify;
        pt->sig = sev->sigev_signo;
        pt->tid = sev->sigev_notify_thread_id;
        pt->value = (uint64_t)sev->sigev_value.sival_ptr;
    } else {
        pt->notify = SIGEV_SIGNAL;
        pt->sig = SIGALRM;
        pt->value = pt->id;
    }
    pt->next = p->posix_timers;
    p->posix_timers = pt;
    *id = pt->id;
    return 0;
}

__after_boot long
posix_timer_set(struct posix_timer *pt, bool absolute, uint64_t value, uint64_t interval)
{
    uint64_t deadline;

    timer_cancel(&pt->timer);
    pt->interval = interval;
    if (!value)
        return 0;
    deadline = absolute ? deadline_monotonic(pt->clock, value)
                        : add_ns_saturating(clock_monotonic_ns(), value);
    timer_add(&pt->timer, deadline);
    return 0;
}

__after_boot void
posix_timer_get(struct posix_timer *pt, uint64_t *value, uint64_t *interval)
{
    uint64_t now = clock_monotonic_ns();

    *interval = pt->interval;
    *value = !timer_armed(&pt->timer) ? 0 : pt->timer.deadline > now ? pt->timer.deadline - now : 1;
}

__after_boot void
posix_timer_delete(struct posix_timer *pt)
{
    struct proc *p = pt->proc;

    timer_cancel(&pt->timer);
    for (struct posix_timer **pp = &p->posix_timers; *pp; pp = &(*pp)->next) {
        if (*pp == pt) {
            *pp = pt->next;
            break;
        }
    }
    kfree(pt);
}
