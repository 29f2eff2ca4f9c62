// getsockopt(SOL_SOCKET, SO_INCOMING_NAPI_ID) on a socket no packet reached
// through a busy-polled NIC queue: 0, four bytes, for every family (the
// JDK probes it at start to offer jdk.net's option); setting it: ENOPROTOOPT.
#include "net_check.h"
#include <netinet/in.h>

#ifndef SO_INCOMING_NAPI_ID
#define SO_INCOMING_NAPI_ID 56
#endif

static void
show(const char *what, int domain, int type)
{
    int fd = socket(domain, type, 0), v = -1;
    socklen_t len = sizeof(v);

    if (NCHECK(what, getsockopt(fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &v, &len)) == 0)
        printf("  value %d, length %u\n", v, (unsigned)len);
    NCHECK("  setsockopt", setsockopt(fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &v, sizeof(v)));
    close(fd);
}

int
main(void)
{
    show("unix stream", AF_UNIX, SOCK_STREAM);
    show("inet tcp", AF_INET, SOCK_STREAM);
    show("inet udp", AF_INET, SOCK_DGRAM);
    show("inet6 tcp", AF_INET6, SOCK_STREAM);
    return 0;
}
