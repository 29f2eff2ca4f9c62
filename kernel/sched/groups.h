// Supplementary groups (setgroups(2)): a sorted set shared by reference
// between the processes that inherited it; setgroups replaces it whole, so
// a set is never changed once made. Guarded by the kernel lock.
#pragma once
#include "types.h"

#define NGROUPS_MAX 65536       // linux/limits.h

struct creds;

struct group_set {
    int refs;
    int count;
    uint32_t gids[];            // ascending
};

// A set of COUNT groups (one reference), GIDS copied and sorted; NULL when
// out of memory.
struct group_set *groups_new(const uint32_t *gids, int count);
struct group_set *groups_get(struct group_set *g);     // NULL stays NULL
void groups_put(struct group_set *g);
// in_group_p: is GID C's filesystem group or one of its supplementary ones?
bool creds_in_group(const struct creds *c, uint32_t gid);
