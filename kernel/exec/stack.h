// The program's initial stack: where it goes and what it holds (stack.c).
#pragma once
#include "types.h"
#include "exec/elf_load.h"   // struct elf_image

struct mm;

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
// Build the initial stack in MM; returns the initial %rsp or a negative errno.
long stack_build(struct mm *mm, const struct exec_args *args, const struct elf_image *prog,
                 const struct elf_image *interp);
