// Segments and the TSS: the selectors are in layout.h. Each CPU has its own
// TSS (the stack an interrupt from user mode lands on is the running
// thread's) and so its own GDT.
#pragma once
#include "types.h"

struct percpu;

void gdt_init(void);
void gdt_set_rsp0(struct percpu *c, uint64_t top);   // C's stack for interrupts from ring 3
long gdt_make_ap(struct percpu *c);                  // allocate an application processor's
void gdt_load_ap(struct percpu *c);
