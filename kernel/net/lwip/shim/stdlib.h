// <stdlib.h> for lwIP's sources: atoi (netif_find's interface numbers);
// memory comes from kmalloc through lwipopts.h.
#pragma once
#include "types.h"
#include "lib/string.h"

static inline int
atoi(const char *s)
{
    return (int)parse_u64(s, 10, NULL);
}
