// Memory locks (mlock(2), mlockall(2)): which regions are locked, how much
// that is against RLIMIT_MEMLOCK, and filling the pages a lock keeps.
#pragma once
#include "types.h"

struct mm;

// Bytes of locked regions inside [start, end) (Linux's locked_vm, over all with 0, UINT64_MAX).
uint64_t vm_locked_bytes(struct mm *mm, uint64_t start, uint64_t end);
// Bytes of every region (Linux's total_vm).
uint64_t vm_total_bytes(struct mm *mm);
// Give [start, end) the lock bits LOCK (VMA_LOCK_MASK bits, 0 unlocks). -ENOMEM at
// the first hole, the parts before it keeping the change, as Linux.
long vm_lock_range(struct mm *mm, uint64_t start, uint64_t end, uint32_t lock);
// Give every region the lock bits LOCK.
void vm_lock_all(struct mm *mm, uint32_t lock);
// Fault in the pages of [start, end): 0, -EFAULT at a region that cannot be
// touched (PROT_NONE), -ENOMEM when memory ran out. Regions locked on fault
// are left as they are; IGNORE_ERRORS goes on past a failing region.
long vm_populate(struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors);
// Linux's can_do_mlock: the current process has an RLIMIT_MEMLOCK above zero, or CAP_IPC_LOCK.
bool vm_may_lock(void);
// Fault in the locked private regions of [start, end) (mprotect made them writable).
void vm_populate_locked(struct mm *mm, uint64_t start, uint64_t end);
// Whether a process may lock LEN more bytes of new mappings in MM under its
// RLIMIT_MEMLOCK, when they will be locked (LOCK has VMA_LOCKED).
bool vm_may_lock_more(struct mm *mm, uint32_t lock, uint64_t len);
