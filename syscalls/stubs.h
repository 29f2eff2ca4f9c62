// Compatibility stubs from the boot manifest (stubs/README.md): per syscall
// number, a result the kernel gives instead of calling the handler, applied
// by dispatch before the table. No rebuild: the host writes the rules.
#pragma once
#include "types.h"
#include "syscall_nr.h"

enum stub_kind {
    STUB_NONE,
    STUB_CONST,     // return value (a -errno included)
    STUB_SAME,      // 0 when the first argument is value, else -EPERM
    STUB_ZERO,      // zero size bytes at argument arg, return 0 (-EFAULT if it faults)
};

struct stub_rule {
    uint8_t kind;   // enum stub_kind
    uint8_t arg;    // STUB_ZERO: which argument (0..5) points at the output
    uint32_t size;  // STUB_ZERO: its size
    long value;
};

struct trap_frame;

// Fill the rules from the manifest's text (NR:c:VALUE, NR:s:VALUE, NR:z:ARG:SIZE, space
// separated); panics naming the entry when it is malformed: the host validated it.
void stubs_load(const char *spec);
// The rule for NR, or NULL when it has none.
const struct stub_rule *stub_get(uint64_t nr);
// The result RULE gives the call in F.
long stub_apply(const struct stub_rule *rule, const struct trap_frame *f);
