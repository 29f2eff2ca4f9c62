// From the syscall instruction to a handler: look the number up in the table
// generated from table.tsv; a missing call returns -ENOSYS and is logged once
// with its name and the caller's address. The kernel lock is held from entry
// to exit, and pending signals are acted on last (sched_exit_to_user). A stub
// rule from the manifest (stubs.c) comes before the table; every call is
// counted for the exit summary (summary.c). Under --trace, trace.c makes the
// call and logs it; otherwise that costs one predictable branch.
#include "syscalls/dispatch.h"
#include "syscalls/stubs.h"
#include "syscalls/summary.h"
#include "syscalls/trace.h"
#include "arch/x86_64/trap.h"
#include "sched/proc.h"
#include "sched/sched.h"
#include "log.h"
#include <asm-generic/errno.h>

static uint64_t logged[(NR_SYSCALLS + 63) / 64];

static void
log_missing_once(uint64_t nr, uint64_t rip)
{
    if (nr >= NR_SYSCALLS) {
        klog("syscall %lu: no such syscall number, from %p", nr, (void *)rip);
        return;
    }
    if (logged[nr / 64] & (1ull << (nr % 64)))
        return;
    logged[nr / 64] |= 1ull << (nr % 64);
    klog("syscall %s (%lu) not implemented, from %p",
         syscall_table[nr].name ? syscall_table[nr].name : "?", nr, (void *)rip);
}

// Always in line: -Os would otherwise make it a call, one more on every syscall.
static inline __attribute__((always_inline)) long
invoke(struct trap_frame *f, uint64_t nr, syscall_fn fn, const struct stub_rule *stub)
{
    if (stub)
        return stub_apply(stub, f);
    if (fn)
        return fn(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
    log_missing_once(nr, f->rip);
    return -ENOSYS;
}

long
syscall_invoke(struct trap_frame *f, uint64_t nr, syscall_fn fn, const struct stub_rule *stub)
{
    return invoke(f, nr, fn, stub);
}

void
syscall_dispatch(struct trap_frame *f)
{
    uint64_t nr = f->rax;
    syscall_fn fn = nr < NR_SYSCALLS ? syscall_table[nr].fn : NULL;
    const struct stub_rule *stub = stub_get(nr);

    sched_enter_from_user();
    current_thread()->frame = f;
    summary_count(nr);
    if (unlikely(trace_enabled))
        f->rax = trace_syscall(f, nr, fn, stub);
    else
        f->rax = invoke(f, nr, fn, stub);
    sched_exit_to_user(f);
}
