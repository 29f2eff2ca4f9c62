// AF_UNIX (unix(7)): stream, datagram and seqpacket sockets in one VM.
// unix_sock.c keeps one socket's references; unix.c makes and ends sockets
// and answers poll, ioctl and options;
// unix_name.c binds names (paths, abstract, autobind) and finds sockets by
// name; unix_conn.c connects, listens and accepts; unix_msg.c moves data
// with SCM_RIGHTS and SCM_CREDENTIALS.
#pragma once
#include "net/socket.h"

struct vnode;

extern const struct net_family unix_family;

#define UNIX_PATH_MAX   108
#define UNIX_ADDR_MAX   (2 + UNIX_PATH_MAX)     // sizeof(struct sockaddr_un)
#define RCV_SHUTDOWN    1
#define SEND_SHUTDOWN   2
#define SHUTDOWN_MASK   3
#define UNIX_DGRAM_QLEN 10                     // net.unix.max_dgram_qlen
// LINUX-DIFF: what a buffer costs its sender besides its bytes, roughly
// Linux's sk_buff truesize overhead, so small messages fill SO_SNDBUF too.
#define UNIX_SKB_OVERHEAD 768

enum unix_state { UNIX_UNCONNECTED, UNIX_LISTEN, UNIX_CONNECTED };

struct unix_sock;

// One message, or a piece of a stream, waiting in a receive queue.
struct unix_skb {
    struct unix_skb *next;
    size_t len, off;               // bytes [off, len) of data are unread
    size_t charge;                 // what it counts in its sender's wmem
    struct unix_sock *sender;      // referenced: its name, and its wmem charged CHARGE
    struct ucred cred;             // the sender's, or what its SCM_CREDENTIALS said
    struct file **fps;             // SCM_RIGHTS in flight, each referenced
    int nfps;
    char data[];
};

struct unix_sock {
    struct sock sk;                // first: the file's priv
    int refs;                      // the file, peers pointing here, skbs it sent
    enum unix_state state;
    bool dead;                     // its file is closed
    int shutdown;                  // RCV_SHUTDOWN | SEND_SHUTDOWN
    struct unix_sock *peer;        // referenced; a datagram socket's default destination
    // Its name: ADDRLEN bytes of ADDR (0: unnamed); a path's node, referenced.
    struct sockaddr_storage addr;
    uint32_t addrlen;
    struct vnode *vn;
    struct unix_sock *abstract_next;   // the abstract names' list
    // Receive queue.
    struct unix_skb *rq_head, *rq_tail;
    size_t rq_bytes;
    int rq_count;
    size_t wmem;                   // bytes it sent that no one has read yet
    // A listener's connections not yet accepted, each referenced.
    struct unix_sock *acq_head, *acq_tail, *acq_next;
    int acq_count, backlog;
    struct ucred peercred;         // SO_PEERCRED: who made the connection's other end
    bool has_peercred;
};

static inline struct unix_sock *
unix_sk(struct file *f)
{
    return f->priv;
}

// unix_sock.c
// A new socket with OPS (unix_ops); NULL: out of memory.
struct unix_sock *unix_sock_new(const struct sock_ops *ops, int type, int protocol);
struct unix_sock *unix_get(struct unix_sock *u);
void unix_put(struct unix_sock *u);
void unix_skb_free(struct unix_skb *skb, struct unix_sock *reader);   // credit the sender
void unix_wake(struct unix_sock *u, uint32_t events);
struct ucred unix_current_cred(bool effective);

// unix.c
extern const struct sock_ops unix_ops;

// unix_name.c
long unix_bind(struct file *f, const struct sockaddr_storage *a, uint32_t len);
long unix_autobind(struct unix_sock *u);
// The socket named A (LEN bytes, checked) of TYPE: referenced, or -ENOENT,
// -ECONNREFUSED, -EACCES, -EPROTOTYPE...
long unix_find(const struct sockaddr_storage *a, uint32_t len, int type, struct unix_sock **out);
long unix_check_addr(const struct sockaddr_storage *a, uint32_t len);
void unix_unbind(struct unix_sock *u);
long unix_getname(struct file *f, bool peer, struct sockaddr_storage *a, uint32_t *len);

// unix_conn.c
long unix_connect(struct file *f, const struct sockaddr_storage *a, uint32_t len);
long unix_listen(struct file *f, int backlog);
long unix_accept(struct file *f, uint32_t flags, struct file **out);

// unix_msg.c
ssize_t unix_sendmsg(struct file *f, struct sock_msg *m);
void unix_purge(struct unix_sock *u);
void unix_skb_free_head(struct unix_sock *u);   // take the queue's first buffer off and free it

// unix_recv.c
ssize_t unix_recvmsg(struct file *f, struct sock_msg *m);
