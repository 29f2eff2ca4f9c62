// Mapping an ELF file's PT_LOAD segments into an address space (elf_load.c).
#pragma once
#include "types.h"

struct mm;
struct vnode;

// What exec needs to know about one loaded ELF file.
struct elf_image {
    uint64_t base;            // load bias (0 for ET_EXEC)
    uint64_t entry;           // entry point, relocated
    uint64_t phdr;            // where the program headers are in memory (AT_PHDR)
    uint16_t phnum, phent;
    uint64_t end;             // highest address mapped (the break starts after it)
    char interp[256];         // PT_INTERP, "" when static
};

// Load the ELF file VN (named PATH) into MM. INTERP picks the interpreter's placement.
long elf_load(struct mm *mm, struct vnode *vn, const char *path, bool interp,
              struct elf_image *out);
