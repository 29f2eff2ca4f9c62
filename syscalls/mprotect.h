// mprotect's checks and work, shared by mprotect(2) (mm.c) and
// pkey_mprotect(2) (pkey.c).
#pragma once
#include "types.h"

// PKEY -1 is plain mprotect; any other key is EINVAL, as no key is ever allocated.
long mprotect_with_key(unsigned long addr, size_t len, unsigned long prot, int pkey);
