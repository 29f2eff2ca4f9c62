// AF_INET and AF_INET6 sockets over lwIP (net/inet*.c): one struct for TCP
// and UDP, kept by the socket file and passed to lwIP as its callbacks' arg.
// Everything runs under the kernel lock; lwIP calls back from inside lwIP
// calls made here, from net_stack_poll() and from its timer.
#pragma once
#include "net/socket.h"
#include "lwip/ip_addr.h"

struct pbuf;
struct tcp_pcb;
struct udp_pcb;
struct inet_dgram;

// Linux's TCP states as far as poll and errors need them.
enum inet_state {
    INET_CLOSED,        // new, or after a reset or a failed connect
    INET_LISTEN,
    INET_CONNECTING,    // SYN sent
    INET_CONNECTED,     // established, or closing with the pcb alive
};

// sk_shutdown's bits: no more to receive (FIN, SHUT_RD), nothing more to send.
#define INET_RCV_SHUTDOWN  1
#define INET_SEND_SHUTDOWN 2

struct inet_sock {
    struct sock sk;             // first: the socket layer's part
    bool v6only;                // IPV6_V6ONLY (AF_INET6 only)
    bool nodelay;               // TCP_NODELAY, applied to every pcb
    int keepidle, keepintvl, keepcnt;   // TCP_KEEP* in seconds and probes
    int kept_tcp[4];            // TCP_CORK, TCP_DEFER_ACCEPT, TCP_QUICKACK, TCP_USER_TIMEOUT
    union {
        struct tcp_pcb *tcp;    // NULL once lwIP freed it (reset) or we closed it
        struct udp_pcb *udp;
    };
    enum inet_state state;
    int shutdown;               // INET_*_SHUTDOWN
    bool bound;                 // bind() or an automatic bind gave it a port
    bool connecting;            // connect() began and no connect() has seen it end
    bool done;                  // a connection ended: reads give 0, not ENOTCONN
    // The addresses, kept for when lwIP has freed the pcb.
    ip_addr_t local_ip, remote_ip;
    uint16_t local_port, remote_port;
    // TCP receive side: the program's unread pbufs linked by ->next, each
    // read by its own len (a chain's tot_len is only 16 bits); RX_OFF bytes
    // of the first are read already, RX_BYTES remain.
    struct pbuf *rx, *rx_tail;
    size_t rx_off, rx_bytes;
    // TCP listener: connections lwIP completed, waiting for accept().
    struct inet_sock *accept_head, *accept_tail;
    int accept_len, backlog;
    struct inet_sock *accept_next;
    struct inet_sock *listener; // while on a listener's queue
    // UDP: received datagrams, oldest first, and their bytes.
    struct inet_dgram *dq_head, *dq_tail;
    size_t dq_bytes;
    bool connected_udp;
    // UDP: connect gave the pcb its source address (the route's, as Linux
    // sets inet_saddr), which a disconnect takes back to UNCONNECTED_IP;
    // bind chose the port (else a disconnect gives it up, as Linux).
    bool udp_auto_src, udp_port_bound;
    ip_addr_t unconnected_ip;
};

static inline struct inet_sock *
inet_sk(struct file *f)
{
    return f->priv;
}

// inet.c: the families.
extern const struct net_family inet_family, inet6_family;
void inet_sock_destroy(struct inet_sock *is);
// inet_common.c: what TCP and UDP share.
struct inet_sock *inet_sock_new(int domain, int type, int protocol, const struct sock_ops *ops);
void inet_snapshot(struct inet_sock *is);
long inet_getname(struct file *f, bool peer, struct sockaddr_storage *a, uint32_t *len);
long inet_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len);
long inet_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len);
void inet_wake(struct inet_sock *is, uint32_t events);

// inet_addr.c: addresses between the program's sockaddr and lwIP's ip_addr_t.
// Parse A (LEN bytes) for IS's domain into IP and PORT: 0 or Linux's errno
// for bind (CONNECT false) or connect.
long inet_addr_parse(const struct inet_sock *is, const struct sockaddr_storage *a, uint32_t len,
                     bool connect, ip_addr_t *ip, uint16_t *port);
// The sockaddr for IP and PORT in IS's domain (IPv4 as ::ffff:a.b.c.d in
// AF_INET6); its length.
uint32_t inet_addr_make(const struct inet_sock *is, const ip_addr_t *ip, uint16_t port,
                        struct sockaddr_storage *a);
bool inet_addr_is_local(const ip_addr_t *ip, bool udp);
// No route to IP: an IPv6 destination not on this host when loopback is the
// only interface (--network none), which lwIP's ip6_route would still take.
bool inet_unroutable(const ip_addr_t *ip);
// lwIP's errors as Linux's errno.
long inet_errno(int err);

// inet_tcp.c, inet_tcp_io.c, inet_udp.c
long inet_tcp_create(struct inet_sock *is);
long inet_udp_create(struct inet_sock *is);
extern const struct sock_ops inet_tcp_ops, inet_udp_ops;
// Close IS's pcb (a reset when it still had data to read or SO_LINGER 0)
// and free IS; lwIP finishes a graceful close on its own.
void inet_tcp_destroy(struct inet_sock *is);
// inet_tcp_io.c
ssize_t inet_tcp_sendmsg(struct file *f, struct sock_msg *m);
ssize_t inet_tcp_recvmsg(struct file *f, struct sock_msg *m);
long inet_tcp_shutdown(struct file *f, int how);
long inet_tcp_ioctl(struct file *f, unsigned int cmd, uint64_t arg);
uint32_t inet_tcp_poll(struct file *f);
void inet_udp_destroy(struct inet_sock *is);
// inet_tcp_opt.c: TCP's SOL_SOCKET and IPPROTO_TCP options that lwIP keeps
// in the pcb, and TCP sockets' setsockopt and getsockopt.
void inet_tcp_apply_opts(struct inet_sock *is);
long inet_tcp_setsockopt(struct file *f, int level, int name, const void *val, uint32_t len);
long inet_tcp_getsockopt(struct file *f, int level, int name, void *val, uint32_t *len);
