// One AF_UNIX socket's life (net/unix.h): making it, its references, the
// credentials it records and its wake-ups, and freeing a read buffer. The
// other unix*.c files build on these; this file calls none of them.
#include "net/unix.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include <asm-generic/poll.h>

struct unix_sock *
unix_sock_new(const struct sock_ops *ops, int type, int protocol)
{
    struct unix_sock *u = kzalloc(sizeof(*u));

    if (!u)
        return NULL;
    sock_init(&u->sk, ops, AF_UNIX, type, protocol);
    u->refs = 1;
    return u;
}

struct unix_sock *
unix_get(struct unix_sock *u)
{
    u->refs++;
    return u;
}

void
unix_put(struct unix_sock *u)
{
    if (u && --u->refs == 0)
        kfree(u);
}

struct ucred
unix_current_cred(bool effective)
{
    struct proc *p = current_proc();

    return (struct ucred){ p->pid, effective ? p->creds.euid : p->creds.ruid,
                           effective ? p->creds.egid : p->creds.rgid };
}

void
unix_wake(struct unix_sock *u, uint32_t events)
{
    file_wake(&u->sk.edges, events);
}

// A read SKB's bytes no longer count against its sender's buffer; its
// files in flight are dropped unless the reader took them.
void
unix_skb_free(struct unix_skb *skb, struct unix_sock *reader)
{
    struct unix_sock *s = skb->sender;

    for (int i = 0; i < skb->nfps; i++)
        file_put(skb->fps[i]);
    kfree(skb->fps);
    if (s) {
        s->wmem -= skb->charge;
        unix_wake(s, POLLOUT);
        unix_put(s);
    }
    kfree(skb);
}
