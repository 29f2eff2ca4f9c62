// timerfd (timerfd.h) on a kernel timer (sched/timer.h), armed on the
// monotonic clock: a realtime deadline is converted when set, as every
// absolute wait here is (one in the past too, even before boot, so that
// the intervals it missed are counted). As on Linux, a periodic timer fires once and then
// waits: the intervals that passed since are counted when the expiries are
// read (or the setting is read), and only then is it armed again, so an
// unread timer costs no interrupts. A read takes the count, 8 bytes, and
// waits while it is 0 unless O_NONBLOCK (a signal: -ERESTARTSYS).
#include "fs/timerfd.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/heap.h"
#include "sched/timer.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "syscalls/timespec.h"
#include "drivers/clock.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/time.h>

struct timerfd {
    int clock;
    struct timer timer;
    bool armed;
    int64_t deadline;           // monotonic ns of the next (or last) expiry; may be before boot
    uint64_t interval;
    uint64_t ticks;             // expiries not yet read
    bool expired;               // fired, and the intervals since are not counted yet
    struct file_edges edges;
};

static const struct file_ops timerfd_ops;

__after_boot bool
file_is_timerfd(const struct file *f)
{
    return f->ops == &timerfd_ops;
}

// The timer fired (a kernel timer callback, under the kernel lock).
__after_boot static void
fired(struct timer *tm)
{
    struct timerfd *t = tm->arg;

    t->ticks++;
    t->expired = true;
    file_wake(&t->edges, POLLIN);
}

// Count the intervals that passed since a periodic timer fired, and arm it
// for the first deadline still to come (Linux's hrtimer_forward_now).
__after_boot static void
catch_up(struct timerfd *t)
{
    int64_t now = clock_monotonic_ns();
    uint64_t n, step;

    if (!t->expired || !t->interval)
        return;
    t->expired = false;
    n = now >= t->deadline ? (uint64_t)(now - t->deadline) / t->interval + 1 : 1;
    t->ticks += n - 1;
    if (__builtin_mul_overflow(n, t->interval, &step) || step > INT64_MAX ||
        __builtin_add_overflow(t->deadline, (int64_t)step, &t->deadline))
        t->deadline = INT64_MAX;    // an interval too long to come round again
    timer_add(&t->timer, t->deadline);
}

// VALUE on T's clock, as a monotonic time (before boot for a realtime one
// long past: negative).
__after_boot static int64_t
to_monotonic(struct timerfd *t, bool absolute, uint64_t value)
{
    int64_t mono = clock_monotonic_ns();
    uint64_t now;

    if (!absolute)
        return add_ns_saturating(mono, value) > INT64_MAX ? INT64_MAX : mono + (int64_t)value;
    if (t->clock != CLOCK_REALTIME)
        return value > INT64_MAX ? INT64_MAX : (int64_t)value;
    now = clock_realtime_ns();
    if (value >= now)
        return value - now > (uint64_t)(INT64_MAX - mono) ? INT64_MAX
                                                          : mono + (int64_t)(value - now);
    return mono - (int64_t)(now - value);
}

__after_boot void
timerfd_get(struct file *f, uint64_t *value, uint64_t *interval)
{
    struct timerfd *t = f->priv;
    uint64_t now = clock_monotonic_ns();

    catch_up(t);
    *value = t->armed && t->deadline > (int64_t)now ? t->deadline - now : 0;
    *interval = t->interval;
}

__after_boot void
timerfd_set(struct file *f, bool absolute, uint64_t value, uint64_t interval, uint64_t *old_value,
            uint64_t *old_interval)
{
    struct timerfd *t = f->priv;

    timerfd_get(f, old_value, old_interval);
    timer_cancel(&t->timer);
    t->ticks = 0;
    t->expired = false;
    t->interval = interval;
    t->armed = value != 0;
    if (!t->armed)
        return;
    t->deadline = to_monotonic(t, absolute, value);
    if (t->deadline <= (int64_t)clock_monotonic_ns())
        fired(&t->timer);           // already due: expired before the call returns, as on Linux
    else
        timer_add(&t->timer, t->deadline);
}

__after_boot static bool
has_ticks(void *arg)
{
    return ((struct timerfd *)arg)->ticks > 0;
}

__after_boot static ssize_t
timerfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    struct timerfd *t = f->priv;
    uint64_t ticks;

    if (n < sizeof(ticks))
        return -EINVAL;
    if (!t->ticks && (f->flags & O_NONBLOCK))
        return -EAGAIN;
    if (!t->ticks && wait_event(WAIT_FOREVER, has_ticks, t, true) < 0)
        return -ERESTARTSYS;
    catch_up(t);
    ticks = t->ticks;
    t->ticks = 0;
    memcpy(buf, &ticks, sizeof(ticks));
    return sizeof(ticks);
}

// No POLLRDNORM: Linux's timerfd reports POLLIN alone.
__after_boot static uint32_t
timerfd_poll(struct file *f)
{
    return ((struct timerfd *)f->priv)->ticks ? POLLIN : 0;
}

// write: Linux's timerfd has none.
__after_boot static ssize_t
timerfd_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return -EINVAL;
}

__after_boot static void
timerfd_release(struct file *f)
{
    struct timerfd *t = f->priv;

    timer_cancel(&t->timer);
    kfree(t);
}

static const struct file_ops timerfd_ops = {
    .read = timerfd_read,
    .write = timerfd_write,
    .stat = anon_stat,
    .poll = timerfd_poll,
    .release = timerfd_release,
};

__after_boot long
timerfd_new(int clock, uint32_t flags, struct file **out)
{
    struct timerfd *t = kzalloc(sizeof(*t));

    if (!t || !(*out = anon_file_new(&timerfd_ops, "timerfd", O_RDWR | (flags & O_NONBLOCK), t))) {
        kfree(t);
        return -ENOMEM;
    }
    t->clock = clock;
    t->timer = (struct timer)TIMER_INIT(fired, t);
    (*out)->edges = &t->edges;
    return 0;
}
