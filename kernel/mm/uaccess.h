// The only way the kernel touches program memory: check the range against
// the program's regions, fault its pages in, then copy with SMAP opened.
#pragma once
#include "types.h"

long copy_from_user(void *dst, const void __user *src, size_t n);    // 0 or -EFAULT
long copy_to_user(void __user *dst, const void *src, size_t n);      // 0 or -EFAULT
long clear_user(void __user *dst, size_t n);                          // 0 or -EFAULT
// Copy a NUL-terminated string of at most MAX-1 chars; its length, -EFAULT or -ENAMETOOLONG.
long strncpy_from_user(char *dst, const char __user *src, size_t max);
// Check that [addr, addr+n) is accessible (and writable when WRITE), faulting pages in.
long user_range_prepare(uint64_t addr, size_t n, bool write);
// Atomically: if *P == EXPECTED, *P = NEW. *CUR gets what *P held. 0 or -EFAULT.
long user_cmpxchg_u32(uint32_t __user *p, uint32_t expected, uint32_t new, uint32_t *cur);
// The length of a program's string, NUL included, up to MAX: -EFAULT, or MAX + 1 if longer.
long strnlen_user(const char __user *src, size_t max);
