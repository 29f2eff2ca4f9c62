// The vDSO's pages in a program (vdso.c).
#pragma once
#include "types.h"

struct mm;

// Map [vvar] and [vdso] near the stack (after stack_map) and set mm->vdso.
long vdso_map(struct mm *mm);
void vdso_enable_getcpu(void);   // from now on the vDSO's getcpu reads TSC_AUX itself
