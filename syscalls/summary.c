// Per-number syscall counts for the exit summary. dispatch counts each call
// under the kernel lock, so a plain array indexed by number is enough; at the
// end the counts go to the log, grouped as made, missing (no handler, no stub)
// and stubbed (a manifest stub rule, or a row of status stub).
#include "syscalls/summary.h"
#include "syscalls/dispatch.h"
#include "syscalls/stubs.h"
#include "lib/fmt.h"
#include "log.h"

#define PER_LINE 10     // NAME=COUNT entries per log line: well inside klog's 512 bytes

static uint64_t made[NR_SYSCALLS];     // protected by the kernel lock
static uint64_t out_of_range;          // numbers past the table, protected by the kernel lock

void
summary_count(uint64_t nr)
{
    if (nr < NR_SYSCALLS)
        made[nr]++;
    else
        out_of_range++;
}

enum summary_group { GROUP_MADE, GROUP_MISSING, GROUP_STUBBED };

static bool
in_group(uint64_t nr, enum summary_group g)
{
    const struct stub_rule *rule = stub_get(nr);

    if (g == GROUP_MISSING)
        return !rule && !syscall_table[nr].fn;
    if (g == GROUP_STUBBED)
        return rule || syscall_table[nr].status == SYSCALL_STUB;
    return true;
}

// Log GROUP's numbers with their counts, PER_LINE to a line, as `syscalls: WORD n=c ...`.
static void
log_group(enum summary_group g, const char *word)
{
    char line[480];
    int len = 0, n = 0;

    for (uint64_t nr = 0; nr < NR_SYSCALLS; nr++) {
        if (!made[nr] || !in_group(nr, g))
            continue;
        if (n == 0)
            len = snprintf(line, sizeof(line), "syscalls: %s", word);
        len += snprintf(line + len, sizeof(line) - len, " %s=%lu",
                        syscall_table[nr].name ? syscall_table[nr].name : "?", made[nr]);
        // An entry is at most a name (< 32) and a count (<= 20 digits): flush while the
        // next one surely fits, so len never passes the buffer's end.
        if (++n == PER_LINE || len > (int)sizeof(line) - 64) {
            klog_line(line);
            n = 0;
        }
    }
    if (n)
        klog_line(line);
}

void
summary_log(void)
{
    log_group(GROUP_MADE, "made");
    log_group(GROUP_MISSING, "missing");
    log_group(GROUP_STUBBED, "stubbed");
    if (out_of_range)
        klog("syscalls: missing out_of_range=%lu", out_of_range);
}
