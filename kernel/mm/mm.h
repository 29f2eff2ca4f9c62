// Address spaces as a whole (mm/mm.c): made for a new program, copied for
// fork, released at exit or exec, loaded on a CPU at a switch. Caller holds
// the kernel lock.
#pragma once
#include "types.h"

struct mm;

struct mm *mm_create(void);             // empty: only the kernel half
struct mm *mm_fork(struct mm *src);     // copy-on-write copy; NULL when out of memory
void mm_put(struct mm *mm);             // one process fewer uses it
void mm_activate(struct mm *mm);        // load it on this CPU (CR3)
size_t mm_read(struct mm *mm, uint64_t addr, void *buf, size_t len);   // bytes of present pages
struct vnode;
void mm_set_exe(struct mm *mm, struct vnode *vn);   // the program it runs (ETXTBSY for writers)
