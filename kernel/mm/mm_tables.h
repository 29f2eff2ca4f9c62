// Whole address spaces a leaf page table at a time (mm/mm_tables.c): fork's
// copy-on-write copy and the release by the last user. Caller holds the
// kernel lock.
#pragma once
#include "types.h"

struct mm;
struct vma;

// V's present pages of SRC into DST (a child's PML4), copy-on-write where
// private; false when out of memory (what was copied holds its references).
bool mm_tables_copy(uint64_t *dst, uint64_t *src, const struct vma *v);
// Free MM's regions, the frames only it holds and its user page tables.
void mm_tables_release(struct mm *mm);
// Move MM's present entries of [old, old+len) to NEW on (a free range, no
// overlap); false when out of memory (the rest stay). This CPU's TLB
// forgets the old ones; other CPUs are the caller's to shoot down.
bool mm_tables_move(struct mm *mm, uint64_t old, uint64_t len, uint64_t new);
