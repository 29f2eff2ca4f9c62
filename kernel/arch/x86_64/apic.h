// The local APIC (timer, EOI) and the I/O APIC (device IRQs): the interrupts
// that end a wait (sched/wait.c). All set up on first use, never at boot.
#pragma once
#include "types.h"

#define IRQ_VEC_TIMER    0xe0    // the local APIC timer: a wait's deadline
#define IRQ_VEC_INPUT    0xe1    // COM3 received a byte: the program's stdin
#define IRQ_VEC_SPURIOUS 0xff    // low four bits set, as older APICs require

void irq_init(void);                        // once; later calls return at once
void irq_route_isa(unsigned int irq, uint8_t vector);   // unmask ISA IRQ on the I/O APIC
void lapic_eoi(void);
void lapic_timer_arm(uint64_t deadline_ns);  // one interrupt at or after this monotonic time
void lapic_timer_stop(void);
