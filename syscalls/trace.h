// pkgload run --trace (docs/kernel.md, Trace): when the manifest's TRACE flag
// is set, dispatch hands every call to trace_syscall, which makes it and logs
// one compact record that the host decodes (loader/trace.py).
#pragma once
#include "types.h"
#include "syscalls/dispatch.h"

struct trap_frame;
struct stub_rule;

extern bool trace_enabled;     // set once at boot, read by dispatch on every call

// Read the manifest's TRACE flag. Call at boot, before the first program runs.
void trace_init(void);
// Make the call in F as dispatch would (syscall_invoke) and log its record; its result.
long trace_syscall(struct trap_frame *f, uint64_t nr, syscall_fn fn, const struct stub_rule *stub);
// Dispatch's own call: the stub rule, else the handler, else -ENOSYS (logged once).
long syscall_invoke(struct trap_frame *f, uint64_t nr, syscall_fn fn, const struct stub_rule *stub);
