// getsockname of UDP sockets through connect and disconnect (AF_UNSPEC):
// connect gives an unbound address the route's source (127.0.0.1 for
// 127.0.0.2, ::1, ::ffff:127.0.0.1), a disconnect takes it back and gives
// up a port bind did not choose; datagrams queued before a disconnect stay,
// and the socket still sends and receives after it. Ports are never printed.
#include "net_check.h"
#include <arpa/inet.h>
#include <netinet/in.h>

static void
show_name(const char *what, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        printf("%s: -1 %s\n", what, net_errno_name(errno));
        return;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = s->sin_port;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = s->sin6_port;
    }
    printf("%s: %s, port %s, len %u\n", what, ip, port ? "set" : "0", (unsigned)len);
}

static struct sockaddr_in
addr4(uint32_t ip, int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(ip) };
    return a;
}

static int
connect4(int fd, uint32_t ip, int port)
{
    struct sockaddr_in a = addr4(ip, port);

    return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static int
disconnect(int fd)
{
    struct sockaddr a = { .sa_family = AF_UNSPEC };

    return connect(fd, &a, sizeof(a));
}

static int
connect6(int fd, const char *ip)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(9) };

    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static void
ipv4(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = addr4(0, 0);

    show_name("new", fd);
    NCHECK("connect 127.0.0.1", connect4(fd, INADDR_LOOPBACK, 9));
    show_name("connected to 127.0.0.1", fd);
    NCHECK("connect 127.0.0.3 again", connect4(fd, INADDR_LOOPBACK + 2, 9));
    show_name("reconnected (keeps its address)", fd);
    NCHECK("disconnect", disconnect(fd));
    show_name("disconnected", fd);
    NCHECK("connect 127.0.0.2", connect4(fd, INADDR_LOOPBACK + 1, 9));
    show_name("connected to 127.0.0.2", fd);
    close(fd);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    NCHECK("bind 0.0.0.0:0", bind(fd, (struct sockaddr *)&any, sizeof(any)));
    NCHECK("connect", connect4(fd, INADDR_LOOPBACK, 9));
    show_name("bound to any, connected", fd);
    NCHECK("disconnect", disconnect(fd));
    show_name("bound to any, disconnected", fd);
    close(fd);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    any = addr4(INADDR_LOOPBACK, 0);
    NCHECK("bind 127.0.0.1:0", bind(fd, (struct sockaddr *)&any, sizeof(any)));
    NCHECK("connect", connect4(fd, INADDR_LOOPBACK + 1, 9));
    show_name("bound to 127.0.0.1, connected to 127.0.0.2", fd);
    NCHECK("disconnect", disconnect(fd));
    show_name("bound to 127.0.0.1, disconnected", fd);
    close(fd);
}

static void
ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);

    NCHECK("connect ::1", connect6(fd, "::1"));
    show_name("v6 connected to ::1", fd);
    NCHECK("disconnect", disconnect(fd));
    show_name("v6 disconnected", fd);
    close(fd);
    fd = socket(AF_INET6, SOCK_DGRAM, 0);
    NCHECK("connect ::ffff:127.0.0.1", connect6(fd, "::ffff:127.0.0.1"));
    show_name("v6 connected to ::ffff:127.0.0.1", fd);
    close(fd);
}

// A datagram queued before the disconnect is still read after it; the
// socket then sends from a new port and hears the answer.
static void
traffic(void)
{
    int peer = socket(AF_INET, SOCK_DGRAM, 0), fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in p = addr4(INADDR_LOOPBACK, 0), from;
    socklen_t len = sizeof(p);
    char buf[16] = "";

    bind(peer, (struct sockaddr *)&p, sizeof(p));
    getsockname(peer, (struct sockaddr *)&p, &len);
    NCHECK("connect to the peer", connect(fd, (struct sockaddr *)&p, sizeof(p)));
    NCHECK("send", send(fd, "ping", 4, 0));
    len = sizeof(from);
    NCHECK("peer receives", recvfrom(peer, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len));
    NCHECK("peer answers", sendto(peer, "pong", 4, 0, (struct sockaddr *)&from, len));
    NCHECK("disconnect", disconnect(fd));
    NCHECK("queued answer still read", recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
    NCHECK("getpeername", getpeername(fd, (struct sockaddr *)&from, &len));
    NCHECK("sendto the peer", sendto(fd, "again", 5, 0, (struct sockaddr *)&p, sizeof(p)));
    show_name("after sending again", fd);
    len = sizeof(from);
    NCHECK("peer receives", recvfrom(peer, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len));
    NCHECK("peer answers", sendto(peer, "back", 4, 0, (struct sockaddr *)&from, len));
    memset(buf, 0, sizeof(buf));
    NCHECK("answer", recv(fd, buf, sizeof(buf), 0));
    printf("got %s\n", buf);
    close(fd);
    close(peer);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    ipv4();
    ipv6();
    traffic();
    return 0;
}
