// Each thread's FPU/SSE/AVX state, in xsave's format (fxsave's where the
// CPU has no xsave), in a page of its own. The kernel never uses these
// registers, so on a switch between threads they hold the program's state.
#pragma once
#include "types.h"

void *fpu_area_alloc(void);         // a page, 0 when out of memory
void fpu_area_free(void *area);
void fpu_save(void *area);          // the registers into AREA
void fpu_restore(const void *area); // AREA into the registers
