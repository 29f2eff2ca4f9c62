// AF_NETLINK NETLINK_ROUTE. With no argument: what any Linux answers the
// same way (the errors of socket/bind/sendto, port ids, NLMSG_ERROR for an
// unknown type, acks, a truncated dump's NLMSG_DONE, lo by index), compared
// with Linux. "ifaddrs": getifaddrs() sorted, for tests that know the
// interfaces (pkgload's, or a network namespace with only lo).
#include "net_check.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdint.h>

// <linux/netlink.h> and <linux/rtnetlink.h>'s names (musl has neither).
#define NETLINK_ROUTE 0
#define NLMSG_NOOP    1
#define NLMSG_ERROR   2
#define NLMSG_DONE    3
#define NLM_F_REQUEST 1
#define NLM_F_MULTI   2
#define NLM_F_ACK     4
#define NLM_F_DUMP    0x300
#define RTM_NEWLINK   16
#define RTM_GETLINK   18
#define NL_ALIGN(len) (((len) + 3) & ~3u)
#define BUF_SIZE      16384

struct sockaddr_nl {
    sa_family_t nl_family;
    unsigned short nl_pad;
    uint32_t nl_pid, nl_groups;
};

struct nlmsghdr {
    uint32_t nlmsg_len;
    uint16_t nlmsg_type, nlmsg_flags;
    uint32_t nlmsg_seq, nlmsg_pid;
};

struct nlmsgerr {
    int error;
    struct nlmsghdr msg;
};

struct ifinfomsg {
    unsigned char ifi_family, ifi_pad;
    unsigned short ifi_type;
    int ifi_index;
    unsigned ifi_flags, ifi_change;
};

static char buf[BUF_SIZE];

static int
nl_socket(int type)
{
    return socket(AF_NETLINK, type | SOCK_CLOEXEC, NETLINK_ROUTE);
}

static long
nl_send(int fd, int type, int flags, int seq, const void *body, size_t len)
{
    char msg[256];
    struct nlmsghdr *h = (struct nlmsghdr *)msg;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

    memset(msg, 0, sizeof(msg));
    h->nlmsg_len = sizeof(*h) + len;
    h->nlmsg_type = type;
    h->nlmsg_flags = flags;
    h->nlmsg_seq = seq;
    memcpy(h + 1, body, len);
    return sendto(fd, msg, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
}

// The next datagram, waiting at most 10 s (a missing answer must not hang).
static long
nl_recv(int fd, void *to, size_t len, int flags)
{
    struct pollfd p = { fd, POLLIN, 0 };

    if (!(flags & MSG_DONTWAIT) && poll(&p, 1, 10000) != 1) {
        printf("no datagram in 10 s\n");
        return -1;
    }
    return recv(fd, to, len, flags);
}

static void
show_error(const struct nlmsghdr *h, int pid)
{
    const struct nlmsgerr *e = (const void *)(h + 1);
    const char *name = net_errno_name(-e->error);

    printf("  NLMSG_ERROR len %u flags %#x seq %u to me %d: error %s, echoes type %u seq %u "
           "len %u\n",
           h->nlmsg_len, h->nlmsg_flags, h->nlmsg_seq, (int)h->nlmsg_pid == pid,
           e->error ? name : "0", e->msg.nlmsg_type, e->msg.nlmsg_seq, e->msg.nlmsg_len);
}

// Receive one answer: its messages, until NLMSG_DONE or NLMSG_ERROR (or
// an answer that is not a dump); print what is deterministic (the links
// only when LINKS: a dump's depend on the machine).
static void
show_answer(int fd, int pid, const char *what, bool links)
{
    printf("%s:\n", what);
    for (int datagrams = 0; datagrams < 20; datagrams++) {
        long n = nl_recv(fd, buf, sizeof(buf), 0);
        bool more = false;

        if (n < 0) {
            printf("  recv: -1 %s\n", net_errno_name(errno));
            return;
        }
        for (long off = 0; off + (long)sizeof(struct nlmsghdr) <= n;) {
            struct nlmsghdr *h = (void *)(buf + off);
            if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > n - off) {
                printf("  bad message length %u\n", h->nlmsg_len);
                return;
            }
            off += NL_ALIGN(h->nlmsg_len);
            more = h->nlmsg_flags & NLM_F_MULTI;
            if (h->nlmsg_type == NLMSG_ERROR) {
                show_error(h, pid);
                return;
            }
            if (h->nlmsg_type == NLMSG_DONE) {
                printf("  NLMSG_DONE len %u seq %u error %d\n", h->nlmsg_len, h->nlmsg_seq,
                       *(int *)(h + 1));
                return;
            }
            if (h->nlmsg_type == RTM_NEWLINK && links) {
                struct ifinfomsg *i = (void *)(h + 1);
                printf("  RTM_NEWLINK flags %#x index %d type %u ifi_flags %#x\n", h->nlmsg_flags,
                       i->ifi_index, i->ifi_type, i->ifi_flags);
            }
        }
        if (!more)
            return;
    }
}

// Port ids: 0 until bound, the pid when bound to 0, the errors of taking one.
static void
check_ports(int fd, int other)
{
    struct sockaddr_nl a = { .nl_family = AF_NETLINK };
    socklen_t len = sizeof(a);

    NCHECK("getsockname unbound", getsockname(fd, (struct sockaddr *)&a, &len));
    printf("unbound pid %u len %u\n", a.nl_pid, (unsigned)len);
    NCHECK("bind short", bind(fd, (struct sockaddr *)&a, 4));
    NCHECK("bind 0", bind(fd, (struct sockaddr *)&a, sizeof(a)));
    getsockname(fd, (struct sockaddr *)&a, &len);
    printf("bound to my pid %d\n", (int)a.nl_pid == getpid());
    a.nl_pid = getpid();
    NCHECK("bind other to my pid", bind(other, (struct sockaddr *)&a, sizeof(a)));
    a.nl_pid = 12345;
    NCHECK("rebind to another", bind(fd, (struct sockaddr *)&a, sizeof(a)));
    a.nl_pid = 4242;
    NCHECK("sendto a user port", sendto(fd, buf, 16, 0, (struct sockaddr *)&a, sizeof(a)));
    NCHECK("recv nothing", recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
}

// A dump read with a 16-byte buffer: truncated, and NLMSG_DONE still comes.
static void
check_truncated_dump(int fd, int pid)
{
    struct ifinfomsg req = { .ifi_family = AF_UNSPEC };

    show_poll("poll before", fd, POLLIN);
    NCHECK("send RTM_GETLINK dump",
           nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 7, &req, sizeof(req)) > 0);
    show_poll("poll after", fd, POLLIN);
    printf("peeked size > 16: %d\n", nl_recv(fd, buf, 1, MSG_PEEK | MSG_TRUNC) > 16);
    struct iovec iov = { buf, 16 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    long n = recvmsg(fd, &m, 0);
    printf("truncated read: %ld, MSG_TRUNC %d\n", n, !!(m.msg_flags & MSG_TRUNC));
    show_answer(fd, pid, "rest of the dump", false);
}

static void
check_requests(int fd, int pid)
{
    struct ifinfomsg lo = { .ifi_family = AF_UNSPEC, .ifi_index = 1 };
    struct ifinfomsg none = { .ifi_family = AF_UNSPEC, .ifi_index = 99999 };

    nl_send(fd, 1000, NLM_F_REQUEST, 10, "abcd", 4);
    show_answer(fd, pid, "unknown type 1000", true);
    nl_send(fd, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 11, "", 0);
    show_answer(fd, pid, "NLMSG_NOOP with NLM_F_ACK", true);
    nl_send(fd, NLMSG_NOOP, NLM_F_REQUEST, 12, "", 0);
    nl_send(fd, RTM_GETLINK, NLM_F_DUMP, 13, "", 0);
    NCHECK("no answer to a noop or a non-request", recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
    nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, 14, &lo, sizeof(lo));
    show_answer(fd, pid, "RTM_GETLINK index 1", true);
    nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, 15, &none, sizeof(none));
    show_answer(fd, pid, "RTM_GETLINK index 99999", true);
}

static int
errors(void)
{
    int fd, other, pid = getpid();

    NCHECK("SOCK_STREAM", socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
    NCHECK("protocol 1 (unused)", socket(AF_NETLINK, SOCK_RAW, 1));
    NCHECK("protocol 32", socket(AF_NETLINK, SOCK_RAW, 32));
    NCHECK("protocol -1", socket(AF_NETLINK, SOCK_RAW, -1));
    if (NCHECK("SOCK_RAW", (fd = nl_socket(SOCK_RAW)) >= 0) == 0 ||
        NCHECK("SOCK_DGRAM", (other = nl_socket(SOCK_DGRAM)) >= 0) == 0)
        return 1;
    check_ports(fd, other);
    check_truncated_dump(fd, pid);
    check_requests(fd, pid);
    close(other);
    close(fd);
    return 0;
}

// A printable address of SA (NULL: "-").
static void
format_addr(char *out, size_t len, const struct sockaddr *sa)
{
    if (!sa) {
        snprintf(out, len, "-");
    } else if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, len);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, len);
    } else if (sa->sa_family == AF_PACKET) {
        const struct sockaddr_ll *ll = (const void *)sa;
        const unsigned char *m = ll->sll_addr;
        snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    } else {
        snprintf(out, len, "family %d", sa->sa_family);
    }
}

static int
by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// One line per getifaddrs() entry, sorted: name, family, address, netmask,
// broadcast, flags.
static int
ifaddrs(void)
{
    struct ifaddrs *list;
    char *lines[64], a[64], m[64], b[64];
    int n = 0;

    if (getifaddrs(&list) < 0) {
        printf("getifaddrs: -1 %s\n", net_errno_name(errno));
        return 1;
    }
    for (struct ifaddrs *p = list; p && n < 64; p = p->ifa_next) {
        int family = p->ifa_addr ? p->ifa_addr->sa_family : -1;
        format_addr(a, sizeof(a), p->ifa_addr);
        format_addr(m, sizeof(m), p->ifa_netmask);
        format_addr(b, sizeof(b), p->ifa_flags & IFF_BROADCAST ? p->ifa_broadaddr : NULL);
        lines[n] = malloc(256);
        snprintf(lines[n++], 256, "%s %s %s mask %s brd %s flags %#x", p->ifa_name,
                 family == AF_PACKET  ? "packet"
                 : family == AF_INET  ? "inet"
                 : family == AF_INET6 ? "inet6"
                                      : "other",
                 a, m, b, p->ifa_flags);
    }
    freeifaddrs(list);
    qsort(lines, n, sizeof(lines[0]), by_text);
    for (int i = 0; i < n; i++)
        printf("%s\n", lines[i]);
    return 0;
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "ifaddrs"))
        return ifaddrs();
    return errors();
}
