// Helpers shared by the net_* programs: fs_check.h's CHECK, with the
// socket errnos named, and small wrappers that print what a socket call
// returned so a run compares with Linux's line by line.
#pragma once
#include "fs_check.h"
#include <poll.h>
#include <stddef.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static inline const char *
net_errno_name(int e)
{
    switch (e) {
    case ENOTSOCK: return "ENOTSOCK";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EDOM: return "EDOM";
    case ENOBUFS: return "ENOBUFS";
    case ENODEV: return "ENODEV";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    }
    return errno_name(e);
}

// Print NAME and RET, or -1 and the errno's name.
static inline long
ncheck(const char *name, long ret)
{
    int e = errno;

    if (ret < 0)
        printf("%s: -1 %s\n", name, net_errno_name(e));
    else
        printf("%s: %ld\n", name, ret);
    errno = e;
    return ret;
}

#define NCHECK(name, expr) ncheck((name), (long)(expr))

static inline socklen_t
unix_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof(a->sun_path) - 1);
    return sizeof(*a);
}

// An abstract name: a NUL, then NAME; its exact length.
static inline socklen_t
abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static inline void
show_int_opt(const char *name, int fd, int level, int opt)
{
    int v = -1;
    socklen_t len = sizeof(v);

    if (getsockopt(fd, level, opt, &v, &len) < 0)
        printf("%s: -1 %s\n", name, net_errno_name(errno));
    else
        printf("%s: %d (len %u)\n", name, v, (unsigned)len);
}

static inline void
show_poll(const char *name, int fd, short events)
{
    struct pollfd p = { fd, events, 0 };
    int n = poll(&p, 1, 0);

    printf("%s: %d revents %#x\n", name, n, (unsigned)p.revents);
}
