// The local APIC (timer, EOI) and the I/O APIC (device IRQs): the interrupts
// that end a wait (sched/wait.c). All set up on first use, never at boot.
#pragma once
#include "types.h"

// Who owns which vector. Device interrupts take 0xe2..0xef (irq_set_handler);
// the IPIs between CPUs take 0xf0..0xf7.
#define IRQ_VEC_TIMER 0xe0    // the local APIC timer: a wait's deadline
// 0xe1 is free (it was COM3's, the stdin of before virtio-console).
#define IRQ_VEC_DEV_FIRST 0xe2   // device interrupts (virtio, ...)
#define IRQ_VEC_DEV_LAST  0xef
#define IRQ_VEC_IPI_FIRST 0xf0   // reschedule, TLB shootdown: sched/ and mm/
#define IRQ_VEC_IPI_LAST  0xf7
#define IRQ_VEC_RESCHED   0xf0 // look at the run queue (a thread was queued here, a signal came)
#define IRQ_VEC_TLB       0xf1 // flush the TLB (arch/x86_64/tlb.c)
#define IRQ_VEC_WAKE      0xf2 // end a halt: the kernel lock was let go (sched/klock.c)
#define IRQ_VEC_BARRIER   0xf3 // a full memory barrier, for membarrier(2) (arch/x86_64/cpu_barrier.c)
#define IRQ_VEC_SPURIOUS  0xff // low four bits set, as older APICs require

void irq_init(void); // once; later calls return at once
bool irq_route_isa(unsigned int irq,
                   uint8_t vector); // unmask ISA IRQ on the I/O APIC; false: no input
void lapic_eoi(void);
// FN(ARG) runs after VECTOR (a device vector) arrives, with the EOI sent, in
// the kernel's normal context: never in the middle of other kernel code, so it
// may touch any kernel state and wake waiters (it runs where a syscall could).
// Waiters in wait_until re-check their condition after it. False when
// VECTOR is not a device vector.
bool irq_set_handler(uint8_t vector, void (*fn)(void *), void *arg);
// Run the handler of device VECTOR (its EOI was sent when it came).
void irq_run_handler(uint8_t vector);
// Send VECTOR to the CPU whose local APIC id is APIC_ID.
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
// INIT then two STARTUPs at physical page SIPI_PAGE (Intel SDM vol. 3, "MP Initialization").
void lapic_start_ap(uint32_t apic_id, uint8_t sipi_page);
// An application processor's own local APIC, as irq_init sets up the boot CPU's.
void lapic_init_ap(void);
uint32_t lapic_my_id(void);
int apic_cpu_ids(const uint8_t **ids); // the MADT's processors: their local APIC ids
void lapic_timer_arm(uint64_t deadline_ns); // one interrupt at or after this monotonic time
