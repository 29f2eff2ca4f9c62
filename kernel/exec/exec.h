// Starting the program: load it (and its interpreter), build its stack.
#pragma once
#include "types.h"

struct mm;
struct trap_frame;

struct elf_image {
    uint64_t base;            // load bias (0 for ET_EXEC)
    uint64_t entry;           // entry point, relocated
    uint64_t phdr;            // where the program headers are in memory (AT_PHDR)
    uint16_t phnum, phent;
    uint64_t end;             // highest address mapped (the break starts after it)
    char interp[256];         // PT_INTERP, "" when static
};

struct vnode;
// Load the ELF file VN (named PATH) into MM. INTERP picks the interpreter's placement.
long elf_load(struct mm *mm, struct vnode *vn, const char *path, bool interp, struct elf_image *out);

// The strings lie end to end in the order the stack holds them (the
// manifest's do), so they are copied as one block.
struct exec_args {
    const char *path;          // the program's path (AT_EXECFN, /proc/self/exe)
    const char *const *argv;   // argc strings, NULL, then envp: envc strings, NULL
    uint64_t argc, envc;
    const char *strings_end;   // argv[0] up to here: every argv and envp string, in order
};

// Map the stack at a randomised top and set where mmap starts below it.
long stack_map(struct mm *mm);
// Map [vvar] and [vdso] near the stack (after stack_map) and set mm->vdso.
long vdso_map(struct mm *mm);
void vdso_enable_getcpu(void);   // from now on the vDSO's getcpu reads TSC_AUX itself
// Build the initial stack in MM; returns the initial %rsp or a negative errno.
long stack_build(struct mm *mm, const struct exec_args *args, const struct elf_image *prog,
                 const struct elf_image *interp);

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
uint64_t random_u64(void);

extern uint64_t user_entry_tsc;   // TSC when the program was first entered
