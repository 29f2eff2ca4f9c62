// /proc/net/if_inet6 as Linux writes it: every line in the kernel's format
// (32 hex digits of address, then index, prefix length, scope and flags in
// two hex digits each, the name right-aligned in 8 columns), the same
// addresses, indexes and prefix lengths as getifaddrs (netlink) gives, and
// lo's ::1 line, which is the same on any Linux with IPv6.
#include "net_check.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#define MAX_LINES 64

struct line {
    unsigned char addr[16];
    unsigned index, plen, scope, flags;
    char name[IF_NAMESIZE + 1];
};

// Read the file into LINES; return the count, or -1 when a line is not in
// the kernel's format (printed).
static int
read_if_inet6(struct line *lines, char *lo_line, size_t lo_len)
{
    FILE *f = fopen("/proc/net/if_inet6", "r");
    char text[256], hex[33], again[256];
    int n = 0;

    if (!f) {
        printf("open: %s\n", errno_name(errno));
        return -1;
    }
    while (n < MAX_LINES && fgets(text, sizeof(text), f)) {
        struct line *l = &lines[n];
        if (sscanf(text, "%32s %x %x %x %x %16s", hex, &l->index, &l->plen, &l->scope, &l->flags,
                   l->name) != 6) {
            printf("unparsed line: %s", text);
            fclose(f);
            return -1;
        }
        for (int i = 0; i < 16; i++)
            sscanf(hex + 2 * i, "%2hhx", &l->addr[i]);
        snprintf(again, sizeof(again), "%s %02x %02x %02x %02x %8s\n", hex, l->index, l->plen,
                 l->scope, l->flags, l->name);
        if (strcmp(again, text) != 0) {
            printf("not the kernel's format: [%s] for [%s]\n", text, again);
            fclose(f);
            return -1;
        }
        if (!strcmp(l->name, "lo"))
            snprintf(lo_line, lo_len, "%s", text);
        n++;
    }
    fclose(f);
    return n;
}

static int
prefix_len(const struct sockaddr_in6 *mask)
{
    int bits = 0;

    for (int i = 0; i < 16; i++)
        bits += __builtin_popcount(mask->sin6_addr.s6_addr[i]);
    return bits;
}

// Whether getifaddrs lists exactly the N addresses of LINES, each with the
// same interface, index and prefix length.
static bool
same_as_getifaddrs(const struct line *lines, int n)
{
    struct ifaddrs *all, *a;
    int found = 0, listed = 0;

    if (getifaddrs(&all) != 0)
        return false;
    for (a = all; a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET6)
            continue;
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a->ifa_addr;
        listed++;
        for (int i = 0; i < n; i++)
            if (!memcmp(lines[i].addr, s->sin6_addr.s6_addr, 16) &&
                !strcmp(lines[i].name, a->ifa_name) &&
                lines[i].index == if_nametoindex(a->ifa_name) &&
                (int)lines[i].plen == prefix_len((const struct sockaddr_in6 *)a->ifa_netmask)) {
                found++;
                break;
            }
    }
    freeifaddrs(all);
    return found == n && listed == n;
}

int
main(void)
{
    static struct line lines[MAX_LINES], again[MAX_LINES];
    char lo[256] = "(none)\n", lo2[256];
    bool same = false, scopes = true;
    int n = -1;

    // Addresses come and go (duplicate detection, autoconfiguration): look
    // until the file reads the same before and after getifaddrs.
    for (int tries = 0; tries < 20 && !same; tries++) {
        if ((n = read_if_inet6(lines, lo, sizeof(lo))) < 0)
            return 1;
        same = same_as_getifaddrs(lines, n);
        same = same && read_if_inet6(again, lo2, sizeof(lo2)) == n &&
               !memcmp(lines, again, n * sizeof(lines[0]));
        if (!same)
            usleep(100000);
    }
    for (int i = 0; i < n; i++) {
        bool ll = lines[i].addr[0] == 0xfe && (lines[i].addr[1] & 0xc0) == 0x80;
        bool loop = IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)lines[i].addr);
        scopes = scopes && lines[i].scope == (loop ? 0x10u : ll ? 0x20u : 0u);
    }
    printf("lines in the kernel's format: yes\n");
    printf("same addresses as getifaddrs: %s\n", same ? "yes" : "no");
    printf("scopes 10 host, 20 link, 00 global: %s\n", scopes ? "yes" : "no");
    printf("lo: %s", lo);
    return 0;
}
