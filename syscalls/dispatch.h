// The syscall table's shape (the table itself is generated from table.tsv).
#pragma once
#include "types.h"
#include "syscall_nr.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

enum syscall_status { SYSCALL_FULL, SYSCALL_PARTIAL, SYSCALL_FAKE, SYSCALL_STUB, SYSCALL_MISSING };

struct syscall_entry {
    const char *name;
    syscall_fn fn;          // NULL when missing
    enum syscall_status status;
    const char *trace;      // what --trace captures, a letter per argument (loader/trace_spec.py)
};

extern const struct syscall_entry syscall_table[NR_SYSCALLS];

struct trap_frame;
void syscall_dispatch(struct trap_frame *f);   // entry.S
