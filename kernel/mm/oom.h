// Out of memory as the program sees it (docs/kernel.md, "Out of memory").
#pragma once
#include "types.h"

bool oom_may_commit(uint64_t len);          // whether free memory could back LEN new bytes
bool oom_may_fault_in(void);                // whether a program's page fault may take a free page
uint64_t oom_reserve_pages(void);           // the pages kept from programs for the kernel
void oom_kill_current(uint64_t addr); // no page for ADDR: SIGKILL the current process, logged
