// Keeping other CPUs' TLBs true to the page table. A CPU that removes or
// narrows a user mapping flushes its own entry (invlpg) and then calls
// tlb_shootdown before the frames can be reused: every other CPU flushes
// before it returns. Kernel mappings never change once made, so only the
// program's half is involved and a CR3 reload (which keeps global pages)
// is enough.
#pragma once
#include "types.h"

void tlb_shootdown(void);   // caller holds the kernel lock
void tlb_ipi(void);         // the IPI's handler, any context, lock-free
void tlb_catch_up(void);    // flush if a shootdown happened since this CPU last flushed
