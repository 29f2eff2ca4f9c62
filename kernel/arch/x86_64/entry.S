// Every way into the kernel from the CPU: exception stubs, the syscall
// instruction, and the one way out (iretq). All build a struct trap_frame
// (trap.h) on the current thread's kernel stack.
#include "layout.h"

#define TRAP_SYSCALL 0x100

.macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

    .text
// One 16-byte stub per vector, 0..255 in order from trap_stubs: the IDT
// (built at link time, tools/gen_boot_tables.py) counts on vector V's stub
// being at trap_stubs + V * 16; kernel.ld checks that they all fit.
// Exceptions without an error code get a 0 so every frame has the same shape.
.macro ISR_NOERR n
    .align 16
isr_\n:
    push $0
    push $\n
    jmp trap_common
.endm
.macro ISR_ERR n
    .align 16
isr_\n:
    push $\n
    jmp trap_common
.endm

    .align 16
    .globl trap_stubs
trap_stubs:
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

// Interrupts: vectors 32..255, each reaching trap_handle with its number.
irq_stubs:
    .set vec, 32
    .rept 224
    .align 16
    push $0
    push $vec
    jmp trap_common
    .set vec, vec + 1
    .endr
    .align 16
    .globl trap_stubs_end
trap_stubs_end:

trap_common:
    testb $3, 24(%rsp)          // saved CS: did we come from ring 3?
    jz 1f
    swapgs
1:  PUSH_GPRS
    cld
    // From ring 3 the CPU loaded a null SS; the kernel's own (as at boot and
    // after syscall) keeps QEMU's translation flags the same, so TCG reuses
    // the code it translated on those paths instead of translating it anew.
    mov $SEL_KDATA, %eax
    mov %eax, %ss
    mov %rsp, %rdi
    call trap_handle
    jmp trap_exit

// syscall: RCX = user RIP, R11 = user RFLAGS; interrupts off (FMASK).
    .globl syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:PERCPU_USER_RSP
    mov %gs:PERCPU_KSTACK_TOP, %rsp
    push $SEL_UDATA
    push %gs:PERCPU_USER_RSP
    push %r11
    push $SEL_UCODE
    push %rcx
    push %rax                   // the error slot keeps the syscall number, for restarts
    push $TRAP_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    call syscall_dispatch
    jmp trap_exit

// trap_return_to(frame): leave the kernel through FRAME (first entry to a program).
    .globl trap_return_to
trap_return_to:
    mov %rdi, %rsp
trap_exit:
    POP_GPRS
    add $16, %rsp               // vector, error
    testb $3, 8(%rsp)           // returning to ring 3?
    jz 2f
    swapgs
2:  iretq
