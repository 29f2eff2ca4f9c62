// context_switch(&prev->ctx_rsp, next->ctx_rsp): save the callee-saved
// registers on this kernel stack, remember where it is, and continue on
// the other thread's stack where it last called this (or at the function
// a new thread's stack was made to return into: sched.c).
    .text
    .globl context_switch
context_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
