// The routes net/netlink_rtm_route.c lists and net/netlink_rtm_get.c
// looks a destination up in: one row of Linux's main or local table.
#pragma once
#include "types.h"

#define ROUTES_MAX 32

struct route {
    uint8_t family, dst_len, table, protocol, scope, type;
    uint8_t dst[16], gateway[16], prefsrc[16];  // network order; gateway/prefsrc: 0 when none
    int oif;
    uint32_t metric;
};

// Every route of FAMILY (AF_INET or AF_INET6) into RS (ROUTES_MAX + 1
// rows), in Linux's dump order; their number.
int nl_route_collect(struct route *rs, int family);
