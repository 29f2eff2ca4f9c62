// Kernel heap.
#pragma once
#include "types.h"

void *kmalloc(size_t size);      // NULL when out of memory; 16-byte aligned
void *kzalloc(size_t size);
void kfree(void *p);             // NULL is fine
char *kstrdup(const char *s);
