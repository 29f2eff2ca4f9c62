// The interface ioctls of netdevice(7) on AF_UNIX, AF_INET and AF_INET6
// sockets, asked about lo (the same on any Linux): name and index both ways
// (if_nametoindex, if_indextoname), flags, MTU, hardware address, queue
// length, the IPv4 address, netmask, broadcast (AF_INET only: ENOTTY
// elsewhere), SIOCGIFCONF's sizing, an alias, and the errors. With "all":
// every interface SIOCGIFCONF lists, for tests that know them.
#include "net_check.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

static const char *
in4(const struct sockaddr *sa)
{
    static char buf[INET_ADDRSTRLEN];
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

    if (s->sin_family != AF_INET)
        snprintf(buf, sizeof(buf), "family %d", s->sin_family);
    else
        inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
    return buf;
}

static int
ask(int fd, unsigned long cmd, const char *name, struct ifreq *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->ifr_name, sizeof(r->ifr_name), "%s", name);
    return ioctl(fd, cmd, r);
}

// What one socket says of interface NAME.
static void
show_device(int fd, const char *name)
{
    struct ifreq r;
    const unsigned char *m = (const unsigned char *)r.ifr_hwaddr.sa_data;

    if (NCHECK("  SIOCGIFINDEX", ask(fd, SIOCGIFINDEX, name, &r)) == 0)
        printf("    index %d\n", r.ifr_ifindex);
    if (NCHECK("  SIOCGIFFLAGS", ask(fd, SIOCGIFFLAGS, name, &r)) == 0)
        printf("    flags %#x\n", (unsigned short)r.ifr_flags);
    if (NCHECK("  SIOCGIFMTU", ask(fd, SIOCGIFMTU, name, &r)) == 0)
        printf("    mtu %d\n", r.ifr_mtu);
    if (NCHECK("  SIOCGIFHWADDR", ask(fd, SIOCGIFHWADDR, name, &r)) == 0)
        printf("    type %d address %02x:%02x:%02x:%02x:%02x:%02x\n", r.ifr_hwaddr.sa_family, m[0],
               m[1], m[2], m[3], m[4], m[5]);
    if (NCHECK("  SIOCGIFTXQLEN", ask(fd, SIOCGIFTXQLEN, name, &r)) == 0)
        printf("    qlen %d\n", r.ifr_qlen);
    if (NCHECK("  SIOCGIFMETRIC", ask(fd, SIOCGIFMETRIC, name, &r)) == 0)
        printf("    metric %d\n", r.ifr_metric);
    if (NCHECK("  SIOCGIFADDR", ask(fd, SIOCGIFADDR, name, &r)) == 0)
        printf("    address %s\n", in4(&r.ifr_addr));
    if (NCHECK("  SIOCGIFNETMASK", ask(fd, SIOCGIFNETMASK, name, &r)) == 0)
        printf("    netmask %s\n", in4(&r.ifr_netmask));
    if (NCHECK("  SIOCGIFBRDADDR", ask(fd, SIOCGIFBRDADDR, name, &r)) == 0)
        printf("    broadcast %s\n", in4(&r.ifr_broadaddr));
    if (NCHECK("  SIOCGIFDSTADDR", ask(fd, SIOCGIFDSTADDR, name, &r)) == 0)
        printf("    destination %s\n", in4(&r.ifr_dstaddr));
}

static void
check_errors(int fd)
{
    struct ifreq r;

    NCHECK("  nosuch0 SIOCGIFFLAGS", ask(fd, SIOCGIFFLAGS, "nosuch0", &r));
    NCHECK("  nosuch0 SIOCGIFADDR", ask(fd, SIOCGIFADDR, "nosuch0", &r));
    NCHECK("  alias lo:7 SIOCGIFFLAGS", ask(fd, SIOCGIFFLAGS, "lo:7", &r));
    printf("    name after %s\n", r.ifr_name);
    NCHECK("  alias lo:7 SIOCGIFADDR", ask(fd, SIOCGIFADDR, "lo:7", &r));
    memset(&r, 0, sizeof(r));
    r.ifr_ifindex = 99999;
    NCHECK("  SIOCGIFNAME 99999", ioctl(fd, SIOCGIFNAME, &r));
    r.ifr_ifindex = 1;
    if (NCHECK("  SIOCGIFNAME 1", ioctl(fd, SIOCGIFNAME, &r)) == 0)
        printf("    name %s\n", r.ifr_name);
    NCHECK("  SIOCGIFFLAGS bad pointer", ioctl(fd, SIOCGIFFLAGS, BAD_PTR));
    NCHECK("  SIOCGIFCONF bad pointer", ioctl(fd, SIOCGIFCONF, BAD_PTR));
    NCHECK("  an unknown ioctl", ioctl(fd, 0x8999, &r));
}

// SIOCGIFCONF: the length wanted, then lo first in a buffer for one.
static void
check_conf(int fd)
{
    struct ifreq reqs[1];
    struct ifconf c = { .ifc_len = 0, .ifc_buf = NULL };

    NCHECK("  SIOCGIFCONF sizing", ioctl(fd, SIOCGIFCONF, &c));
    printf("    whole ifreqs, at least one: %d\n", c.ifc_len >= 40 && c.ifc_len % 40 == 0);
    c.ifc_len = 39;
    c.ifc_req = reqs;
    NCHECK("  SIOCGIFCONF into 39 bytes", ioctl(fd, SIOCGIFCONF, &c));
    printf("    length %d\n", c.ifc_len);
    c.ifc_len = sizeof(reqs);
    NCHECK("  SIOCGIFCONF into one", ioctl(fd, SIOCGIFCONF, &c));
    printf("    length %d: %s %s\n", c.ifc_len, reqs[0].ifr_name, in4(&reqs[0].ifr_addr));
}

static void
lo_everywhere(void)
{
    static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };
    char name[IF_NAMESIZE] = "";

    for (int i = 0; i < 3; i++) {
        int fd = socket(families[i], SOCK_DGRAM, 0);
        printf("%s socket, lo:\n", i == 0 ? "AF_UNIX" : i == 1 ? "AF_INET" : "AF_INET6");
        show_device(fd, "lo");
        check_errors(fd);
        check_conf(fd);
        close(fd);
    }
    printf("if_nametoindex(lo) %u\n", if_nametoindex("lo"));
    printf("if_indextoname(1) %s\n", if_indextoname(1, name) ? name : "NULL");
    errno = 0;
    unsigned index = if_nametoindex("nosuch0");
    printf("if_nametoindex(nosuch0) %u %s\n", index, net_errno_name(errno));
}

// Every interface SIOCGIFCONF lists, as an AF_INET socket sees it.
static void
all(void)
{
    struct ifreq reqs[16];
    struct ifconf c = { .ifc_len = sizeof(reqs), .ifc_req = reqs };
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    NCHECK("SIOCGIFCONF", ioctl(fd, SIOCGIFCONF, &c));
    for (int i = 0; i < c.ifc_len / (int)sizeof(reqs[0]); i++) {
        printf("%s %s:\n", reqs[i].ifr_name, in4(&reqs[i].ifr_addr));
        show_device(fd, reqs[i].ifr_name);
        printf("  if_nametoindex %u\n", if_nametoindex(reqs[i].ifr_name));
    }
    close(fd);
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "all"))
        all();
    else
        lo_everywhere();
    return 0;
}
