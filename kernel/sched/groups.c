// Supplementary group sets (groups.h): made sorted so a permission check is
// a binary search, as Linux's groups_search.
#include "sched/groups.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "lib/string.h"

static void
sort_gids(uint32_t *g, int n)
{
    for (int i = 1; i < n; i++) {       // insertion sort: sets are short
        uint32_t v = g[i];
        int j = i;
        for (; j > 0 && g[j - 1] > v; j--)
            g[j] = g[j - 1];
        g[j] = v;
    }
}

struct group_set *
groups_new(const uint32_t *gids, int count)
{
    struct group_set *g = kmalloc(sizeof(*g) + (size_t)count * sizeof(uint32_t));

    if (!g)
        return NULL;
    g->refs = 1;
    g->count = count;
    memcpy(g->gids, gids, (size_t)count * sizeof(uint32_t));
    sort_gids(g->gids, count);
    return g;
}

struct group_set *
groups_get(struct group_set *g)
{
    if (g)
        g->refs++;
    return g;
}

void
groups_put(struct group_set *g)
{
    if (g && --g->refs == 0)
        kfree(g);
}

static bool
groups_has(const struct group_set *g, uint32_t gid)
{
    int lo = 0, hi = g ? g->count : 0;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (g->gids[mid] == gid)
            return true;
        if (g->gids[mid] < gid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool
creds_in_group(const struct creds *c, uint32_t gid)
{
    return c->fsgid == gid || groups_has(c->groups, gid);
}
