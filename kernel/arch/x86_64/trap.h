// The register frame saved on kernel entry (exceptions, interrupts, syscalls).
// Layout must match the pushes in entry.S.
#pragma once
#include "types.h"

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;   // exception vector, or TRAP_SYSCALL
    uint64_t error;    // error code, 0 when the CPU pushes none; a syscall's number
    uint64_t rip, cs, rflags, rsp, ss;   // as pushed by the CPU (or built by syscall entry)
};

#define TRAP_SYSCALL      0x100
#define TRAP_SYSCALL_DONE 0x101   // a syscall whose interruption was already dealt with

static inline bool
trap_from_user(const struct trap_frame *f)
{
    return (f->cs & 3) == 3;
}

void trap_init(void);
void trap_handle(struct trap_frame *f);                 // called by entry.S
__noreturn void trap_return_to(struct trap_frame *f);   // entry.S: restore F and iretq
