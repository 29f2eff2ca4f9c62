// The exit summary: how many times the program (all its processes) made each
// syscall, logged at its end as `syscalls: made|missing|stubbed NAME=COUNT ...`
// lines before the exit record, for the host to parse (docs/boot-protocol.md).
#pragma once
#include "types.h"

// Count one call of NR (any number, in range or not). Caller holds the kernel lock.
void summary_count(uint64_t nr);
// Log the summary: at the program's end, before the exit record.
void summary_log(void);
