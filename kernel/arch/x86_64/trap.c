// The IDT and what happens on an exception. From the program, a fault is
// first offered to the memory manager (demand paging); otherwise it becomes
// the signal Linux would send. In the kernel, every exception is a panic.
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/apic.h"
#include "layout.h"
#include "mm/vm.h"
#include "mm/oom.h"
#include "mm/kstack.h"
#include "sched/proc.h"
#include "sched/signal.h"
#include "sched/sched.h"
#include "sched/irq_work.h"
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/cpu_barrier.h"
#include "log.h"
#include <asm/signal.h>
#include <asm-generic/errno.h>
#include <asm-generic/siginfo.h>

extern char syscall_entry[];   // entry.S: where SYSCALL goes (MSR_LSTAR)

// All 256 gates, made at link time (tools/gen_boot_tables.py, kernel.ld):
// exceptions 0..31, with IST1 for double faults and int3/into allowed from
// ring 3, and 32..255, so any interrupt, expected or not, gets a frame and
// a report.
extern const char idt[256 * 16];

static const char *const exception_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FPU error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
};

void
trap_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed ptr = { sizeof(idt) - 1, (uint64_t)idt };

    __asm__ volatile("lidt %0" ::"m"(ptr));
}

// The signal Linux sends for exception VECTOR raised by the program.
__after_boot static int
exception_signal(uint64_t vector)
{
    switch (vector) {
    case 0:
    case 16:
    case 19: return SIGFPE;
    case 1:
    case 3: return SIGTRAP;
    case 6: return SIGILL;
    case 17: return SIGBUS;
    default: return SIGSEGV;   // #GP, #SS, #PF, #NP, bound, overflow...
    }
}

// si_code and si_addr for exception VECTOR (man 2 sigaction, "si_code").
__after_boot static void
exception_info(const struct trap_frame *f, uint64_t cr2, struct sig_info *info)
{
    *info =
        (struct sig_info){ .code = SI_KERNEL, .trapno = f->vector, .err = f->error, .cr2 = cr2 };
    switch (f->vector) {
    case 14:
        info->code = (f->error & 1) ? SEGV_ACCERR : SEGV_MAPERR;
        info->addr = cr2;
        break;
    case 0:
        info->code = FPE_INTDIV;
        info->addr = f->rip;
        break;
    case 6:
        info->code = ILL_ILLOPN;
        info->addr = f->rip;
        break;
    case 17:
        info->code = BUS_ADRALN;
        info->addr = cr2;
        break;
    case 1: info->code = TRAP_TRACE; break;
    }
}

__after_boot static void
user_exception(struct trap_frame *f)
{
    struct sig_info info;
    uint64_t addr = 0;
    long ret;

    current_thread()->frame = f;
    if (f->vector == 14) {
        addr = read_cr2();
        if ((ret = vm_fault(current_proc()->mm, addr, f->error)) == 0)
            return;
        if (ret == -ENOMEM) {
            oom_kill_current(addr);     // delivered on the way out: the access never returns
            return;
        }
    }
    exception_info(f, addr, &info);
    signal_force(f, exception_signal(f->vector), &info);
}

// An interrupt taken in the kernel came while this CPU did not hold the
// kernel lock (the kernel runs with interrupts off everywhere else: halted
// in the idle loop, or spinning for the lock): only lock-free work here.
// The spurious vector gets no EOI (Intel SDM vol. 3, "Spurious Interrupt").
__after_boot static void
kernel_interrupt(struct trap_frame *f)
{
    if (f->vector == IRQ_VEC_SPURIOUS)
        return;
    if (f->vector == IRQ_VEC_TLB) {
        tlb_ipi();
        return;
    }
    if (f->vector == IRQ_VEC_BARRIER) {
        cpu_barrier_ipi();
        return;
    }
    lapic_eoi();
    if (f->vector >= 0xc0 && f->vector != IRQ_VEC_WAKE)
        irq_note(f->vector);
}

__after_boot static void
user_interrupt(struct trap_frame *f)
{
    if (f->vector == IRQ_VEC_SPURIOUS)
        return;
    if (f->vector == IRQ_VEC_TLB) {
        tlb_ipi();
        return;
    }
    if (f->vector == IRQ_VEC_BARRIER) {
        cpu_barrier_ipi();
        return;
    }
    lapic_eoi();
    if (f->vector == IRQ_VEC_WAKE)      // late: its halt ended some other way
        return;
    sched_enter_from_user();
    current_thread()->frame = f;
    irq_handle(f->vector);
    sched_exit_to_user(f);
}

// An exception the kernel raised is a panic that says what kind: a stack
// overflow (the address in a guard page: the #PF, or the #DF when pushing
// the #PF's frame faulted too), a page fault on a user address (the kernel
// touches program memory only through mm/uaccess.c, which faults pages in
// before copying, so any fault there is a bug), or on a kernel address.
__after_boot static __noreturn void
kernel_exception(struct trap_frame *f)
{
    const char *name = exception_names[f->vector] ? exception_names[f->vector] : "exception";
    uint64_t cr2 = read_cr2();
    const char *access = (f->error & PF_INSTR) ? "fetch" : (f->error & PF_WRITE) ? "write" : "read";

    if (trap_from_user(f) && f->rip == (uint64_t)syscall_entry)
        panic_frame(f, "syscall_entry ran in user mode: SYSCALL did not switch to the kernel "
                       "(seen under kvm_pvm: docs/kernel.md, Panics)");
    if ((f->vector == 14 || f->vector == 8) && kstack_is_guard(cr2))
        panic_frame(f, "kernel stack overflow: %s at %p, in the guard page below a kernel stack",
                    name, (void *)cr2);
    if (f->vector == 14 && cr2 < USER_TOP)
        panic_frame(f, "page fault in the kernel: %s of user address %p outside uaccess", access,
                    (void *)cr2);
    if (f->vector == 14)
        panic_frame(f, "page fault in the kernel: %s of kernel address %p", access, (void *)cr2);
    panic_frame(f, "%s in the kernel", name);
}

// Whether the kernel raised exception F, whatever its saved CS says: a page
// fault by a supervisor-mode access (error bit 2 clear), another exception
// at a kernel address (a program's jump there faults first, as a user-mode
// page fault), or any fault at syscall_entry's first instruction, where
// only SYSCALL sends the CPU (under kvm_pvm it arrives there still in user
// mode). Either way it is never blamed on the program.
static bool
raised_by_kernel(const struct trap_frame *f)
{
    if (!trap_from_user(f) || f->rip == (uint64_t)syscall_entry)
        return true;
    // A non-canonical RIP is the program's: an iretq or a jump to one faults
    // in user mode under QEMU (as on AMD CPUs), and Linux sends SIGSEGV.
    return f->vector == 14 ? !(f->error & PF_USER) : f->rip >= DIRECT_BASE;
}

void
trap_handle(struct trap_frame *f)
{
    if (f->vector >= 32) {
        if (!trap_from_user(f))
            kernel_interrupt(f);
        else if (f->vector >= 0xc0)
            user_interrupt(f);
        else
            panic_frame(f, "unexpected interrupt %lu", f->vector);
        return;
    }
    if (raised_by_kernel(f))
        kernel_exception(f);
    sched_enter_from_user();
    user_exception(f);
    sched_exit_to_user(f);
}
