// epoll (epoll.h). Readiness is each watched file's poll; what Linux's
// wake-up callbacks do is done by looking: an item joins its epoll's ready
// list when its file's edge stamp moved since the item last looked (a
// wake-up, fs/file.h) or when it is added or modified while ready, in the
// order the wake-ups happened. epoll_wait takes items off that list,
// reports those whose poll matches and puts level-triggered ones back at
// the tail, so an edge-triggered item reports each new arrival once and
// events come in Linux's order. Everything here is under the kernel lock.
#include "fs/epoll.h"
#include "fs/file.h"
#include "fs/anon.h"
#include "mm/heap.h"
#include "sched/wait.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>
#include <linux/eventpoll.h>

#define EP_MAX_NESTS 4      // epolls inside epolls, as deep as Linux allows
// Flags that are not events: a one-shot item that fired keeps only these.
#define EP_PRIVATE (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

struct eplink {
    struct eplink *prev, *next;     // circular, through a head; alone when on no list
};

struct epitem {
    struct eplink in_ep;            // the epoll's items, in the order added
    struct eplink in_ready;         // the epoll's ready list, when on it
    struct epitem *file_next, **file_pprev;     // the items watching the same file
    struct eventpoll *ep;
    struct file *file;              // not a reference: the item goes when the file does
    int fd;
    uint32_t events;                // asked for, with EPOLLERR | EPOLLHUP and the flags
    uint64_t data;
    uint64_t seen;                  // the file's edge stamp when this item last looked
};

struct eventpoll {
    struct eplink items;
    struct eplink ready;            // Linux's ready list
    int nitems;
    struct file *file;              // its own open file: the epolls above it watch that
};

#define ITEM(link, member) ((struct epitem *)((char *)(link) - offsetof(struct epitem, member)))

static const struct file_ops epoll_ops;

__after_boot static void
link_init(struct eplink *l)
{
    l->prev = l->next = l;
}

__after_boot static bool
link_alone(const struct eplink *l)
{
    return l->next == l;
}

__after_boot static void
link_insert_after(struct eplink *at, struct eplink *l)
{
    l->prev = at;
    l->next = at->next;
    at->next->prev = l;
    at->next = l;
}

__after_boot static void
link_del(struct eplink *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    link_init(l);
}

// Move every entry of FROM to the tail of TO, in order.
__after_boot static void
link_splice_tail(struct eplink *to, struct eplink *from)
{
    if (link_alone(from))
        return;
    from->next->prev = to->prev;
    to->prev->next = from->next;
    from->prev->next = to;
    to->prev = from->prev;
    link_init(from);
}

__after_boot bool
file_is_epoll(const struct file *f)
{
    return f->ops == &epoll_ops;
}

__after_boot static bool
item_enabled(const struct epitem *it)
{
    return (it->events & ~EP_PRIVATE) != 0;     // a one-shot item that fired is not
}

__after_boot static uint32_t
item_poll(struct epitem *it)
{
    return file_poll(it->file) & it->events;
}

// Put IT in LIST (a list of items that woke) after every item that woke
// earlier: their stamps are wake-up times.
__after_boot static void
insert_by_stamp(struct eplink *list, struct epitem *it)
{
    struct eplink *at = list->prev;

    while (at != list && ITEM(at, in_ready)->seen > it->seen)
        at = at->prev;
    link_insert_after(at, &it->in_ready);
}

// What Linux's wake-up callback does, done by looking: queue each enabled
// item whose file woke up since the item last looked, in wake-up order.
__after_boot static void
collect_wakeups(struct eventpoll *ep)
{
    struct eplink woke;

    link_init(&woke);
    for (struct eplink *l = ep->items.next; l != &ep->items; l = l->next) {
        struct epitem *it = ITEM(l, in_ep);
        uint64_t edge = file_edge(it->file, it->events);
        if (edge == it->seen)
            continue;
        it->seen = edge;
        if (link_alone(&it->in_ready) && item_enabled(it))
            insert_by_stamp(&woke, it);
    }
    link_splice_tail(&ep->ready, &woke);
}

// Queue IT if its file is ready now (EPOLL_CTL_ADD and _MOD, as Linux does).
__after_boot static void
queue_if_ready(struct epitem *it)
{
    if (!link_alone(&it->in_ready) || !item_poll(it))
        return;
    link_insert_after(it->ep->ready.prev, &it->in_ready);
    wait_poke();        // a thread in epoll_wait on this set looks again
}

// Linux's ep_send_events: take items off the ready list in order, report
// those still ready; level-triggered ones go back to the tail after the
// items not reached, a one-shot one is disabled until EPOLL_CTL_MOD.
__after_boot static int
harvest(struct eventpoll *ep, struct epoll_event *out, int max)
{
    struct eplink again;
    int n = 0;

    link_init(&again);
    collect_wakeups(ep);
    while (n < max && !link_alone(&ep->ready)) {
        struct epitem *it = ITEM(ep->ready.next, in_ready);
        uint32_t revents = item_poll(it);
        link_del(&it->in_ready);
        if (!revents)
            continue;
        out[n++] = (struct epoll_event){ .events = revents, .data = it->data };
        if (it->events & EPOLLONESHOT)
            it->events &= EP_PRIVATE;
        else if (!(it->events & EPOLLET))
            link_insert_after(again.prev, &it->in_ready);
    }
    link_splice_tail(&ep->ready, &again);
    return n;
}

// The epoll file is readable while an item on its ready list is ready; the
// ones found not ready are dropped, as Linux's poll of an epoll does. No
// event is consumed, so an epoll inside another (or in poll) loses nothing.
__after_boot static uint32_t
epoll_poll(struct file *f)
{
    struct eventpoll *ep = f->priv;

    collect_wakeups(ep);
    while (!link_alone(&ep->ready)) {
        struct epitem *it = ITEM(ep->ready.next, in_ready);
        if (item_poll(it))
            return POLLIN | POLLRDNORM;
        link_del(&it->in_ready);
    }
    return 0;
}

__after_boot static void
item_free(struct epitem *it)
{
    link_del(&it->in_ep);
    link_del(&it->in_ready);
    *it->file_pprev = it->file_next;
    if (it->file_next)
        it->file_next->file_pprev = it->file_pprev;
    it->ep->nitems--;
    kfree(it);
}

__after_boot static void
epoll_release(struct file *f)
{
    struct eventpoll *ep = f->priv;

    while (!link_alone(&ep->items))
        item_free(ITEM(ep->items.next, in_ep));
    kfree(ep);
}

__after_boot void
epoll_forget_file(struct file *f)
{
    while (f->epitems)
        item_free(f->epitems);
}

// read and write of an epoll descriptor: Linux's epoll has neither.
__after_boot static ssize_t
epoll_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    return -EINVAL;
}

__after_boot static ssize_t
epoll_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    return -EINVAL;
}

static const struct file_ops epoll_ops = {
    .read = epoll_read,
    .write = epoll_write,
    .stat = anon_stat,
    .poll = epoll_poll,
    .release = epoll_release,
};

__after_boot long
epoll_new(struct file **out)
{
    struct eventpoll *ep = kzalloc(sizeof(*ep));

    if (!ep || !(*out = anon_file_new(&epoll_ops, "eventpoll", O_RDWR, ep))) {
        kfree(ep);
        return -ENOMEM;
    }
    link_init(&ep->items);
    link_init(&ep->ready);
    ep->file = *out;
    return 0;
}

__after_boot int
epoll_num_items(struct file *f)
{
    return ((struct eventpoll *)f->priv)->nitems;
}

// How many levels of epolls EP holds (0: none), or -1 when INTO is among
// them (a cycle) or they go deeper than Linux allows.
__after_boot static int
depth_below(struct eventpoll *ep, struct eventpoll *into)
{
    int deepest = 0;

    for (struct eplink *l = ep->items.next; l != &ep->items; l = l->next) {
        struct file *f = ITEM(l, in_ep)->file;
        int d;
        if (!file_is_epoll(f))
            continue;
        if (f->priv == into || (d = depth_below(f->priv, into)) < 0 || d + 1 > EP_MAX_NESTS)
            return -1;
        deepest = MAX(deepest, d + 1);
    }
    return deepest;
}

// How many levels of epolls watch EP (0: none).
__after_boot static int
depth_above(struct eventpoll *ep)
{
    int deepest = 0;

    for (struct epitem *it = ep->file->epitems; it; it = it->file_next)
        deepest = MAX(deepest, depth_above(it->ep) + 1);
    return deepest;
}

// Adding epoll TARGET to EP: no cycle, and no chain longer than Linux's.
__after_boot static long
check_nesting(struct eventpoll *ep, struct file *target)
{
    int below;

    if (!file_is_epoll(target))
        return 0;
    below = depth_below(target->priv, ep);
    if (below < 0 || below + 1 + depth_above(ep) > EP_MAX_NESTS)
        return -ELOOP;
    return 0;
}

__after_boot static struct epitem *
find_item(struct eventpoll *ep, int fd, struct file *target)
{
    for (struct epitem *it = target->epitems; it; it = it->file_next)
        if (it->ep == ep && it->fd == fd)
            return it;
    return NULL;
}

__after_boot static long
add_item(struct eventpoll *ep, int fd, struct file *target, const struct epoll_event *ev)
{
    struct epitem *it = kzalloc(sizeof(*it));

    if (!it)
        return -ENOMEM;
    *it = (struct epitem){ .ep = ep,
                           .file = target,
                           .fd = fd,
                           .events = ev->events | EPOLLERR | EPOLLHUP,
                           .data = ev->data,
                           .seen = file_edge(target, ev->events) };
    link_init(&it->in_ready);
    link_insert_after(ep->items.prev, &it->in_ep);
    it->file_next = target->epitems;
    if (it->file_next)
        it->file_next->file_pprev = &it->file_next;
    it->file_pprev = &target->epitems;
    target->epitems = it;
    ep->nitems++;
    queue_if_ready(it);
    return 0;
}

__after_boot long
epoll_ctl(struct file *f, int op, int fd, struct file *target, const struct epoll_event *ev)
{
    struct eventpoll *ep = f->priv;
    struct epitem *it;
    long ret;

    if (op == EPOLL_CTL_ADD && (ret = check_nesting(ep, target)) < 0)
        return ret;
    it = find_item(ep, fd, target);
    switch (op) {
    case EPOLL_CTL_ADD: return it ? -EEXIST : add_item(ep, fd, target, ev);
    case EPOLL_CTL_DEL:
        if (!it)
            return -ENOENT;
        item_free(it);
        return 0;
    case EPOLL_CTL_MOD:
        if (!it)
            return -ENOENT;
        if (it->events & EPOLLEXCLUSIVE)
            return -EINVAL;
        it->events = ev->events | EPOLLERR | EPOLLHUP;
        it->data = ev->data;
        it->seen = file_edge(target, it->events);
        queue_if_ready(it);
        return 0;
    }
    return -EINVAL;
}

struct ep_wait {
    struct eventpoll *ep;
    struct epoll_event *out;
    int max, n;
};

__after_boot static bool
wait_ready(void *arg)
{
    struct ep_wait *w = arg;

    return (w->n = harvest(w->ep, w->out, w->max)) > 0;
}

__after_boot long
epoll_wait_events(struct file *f, struct epoll_event *out, int max, uint64_t deadline,
                  bool nonblock)
{
    struct ep_wait w = { f->priv, out, max, 0 };

    if (nonblock)
        return harvest(w.ep, out, max);     // no signal check, as Linux with a zero timeout
    if (wait_event(deadline, wait_ready, &w, true) == -EINTR)
        return -EINTR;
    return w.n;
}
