// Starting the program: load it (and its interpreter), build its stack.
// exec.c calls elf_load.c, stack.c and vdso.c; none of them calls back.
#pragma once
#include "types.h"
#include "exec/stack.h"   // struct exec_args

struct mm;
struct trap_frame;
struct vnode;

// Where a new program starts.
struct exec_entry {
    uint64_t rip, rsp;
};
// Build a new program's memory in MM (empty, loaded or not) from the ELF
// file VN (named PATH) with ARGS; 0 or -errno (ENOENT for a missing
// interpreter, ENOEXEC, ELIBBAD, E2BIG, ENOMEM).
long exec_build(struct mm *mm, struct vnode *vn, const char *path, const struct exec_args *args,
                struct exec_entry *out);
// F as a new program's first return to user mode sees it: only rip, rsp,
// the segments and IF.
void exec_start_frame(struct trap_frame *f, const struct exec_entry *e);
// Load the program named in the manifest into the current process and fill F
// so that returning through it starts the program. Panics with the reason on failure.
void exec_initial(struct trap_frame *f);

extern uint64_t user_entry_tsc;   // TSC when the program was first entered
