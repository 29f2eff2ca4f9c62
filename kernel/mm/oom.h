// Out of memory as the program sees it (docs/kernel.md, "Out of memory").
#pragma once
#include "types.h"

bool oom_may_commit(uint64_t len);          // whether free memory could back LEN new bytes
void oom_kill_current(uint64_t addr);       // no page for ADDR: SIGKILL the current process, logged
