// The IDT and what happens on an exception. From the program, a fault is
// first offered to the memory manager (demand paging); otherwise it becomes
// the signal Linux would send. In the kernel, every exception is a panic.
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "layout.h"
#include "mm/vm.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "log.h"
#include <asm/signal.h>

struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;           // present, DPL, gate type
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __packed;

static struct idt_entry idt[256];
extern const uint64_t isr_stubs[32];

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 FPU error", "alignment check", "machine check", "SIMD FP error", "virtualization",
    "control protection",
};

static void
set_gate(int vec, uint64_t handler, uint8_t ist, uint8_t dpl)
{
    idt[vec] = (struct idt_entry){
        .offset_lo = handler & 0xffff,
        .selector = SEL_KCODE,
        .ist = ist,
        .type = 0x8e | (dpl << 5),   // present, 64-bit interrupt gate
        .offset_mid = (handler >> 16) & 0xffff,
        .offset_hi = handler >> 32,
    };
}

void
trap_init(void)
{
    struct { uint16_t limit; uint64_t base; } __packed ptr = { sizeof(idt) - 1, (uint64_t)idt };

    for (int v = 0; v < 32; v++)
        set_gate(v, isr_stubs[v], v == 8 ? 1 : 0, (v == 3 || v == 4) ? 3 : 0);
    __asm__ volatile("lidt %0" ::"m"(ptr));
}

// The signal Linux sends for exception VECTOR raised by the program.
static int
exception_signal(uint64_t vector)
{
    switch (vector) {
    case 0: case 16: case 19:
        return SIGFPE;
    case 1: case 3:
        return SIGTRAP;
    case 6:
        return SIGILL;
    case 17:
        return SIGBUS;
    default:
        return SIGSEGV;   // #GP, #SS, #PF, #NP, bound, overflow...
    }
}

static void
user_exception(struct trap_frame *f)
{
    uint64_t addr = 0;

    current_thread()->frame = f;
    if (f->vector == 14) {
        addr = read_cr2();
        if (vm_fault(current_proc()->mm, addr, f->error) == 0)
            return;
    }
    signal_force(f, exception_signal(f->vector), addr);
}

void
trap_handle(struct trap_frame *f)
{
    if (f->vector < 32 && trap_from_user(f)) {
        user_exception(f);
        signal_deliver(f);
        return;
    }
    if (f->vector < 32)
        panic_frame(f, "%s in the kernel", exception_names[f->vector] ? exception_names[f->vector] : "exception");
    panic_frame(f, "unexpected interrupt %lu", f->vector);
}
