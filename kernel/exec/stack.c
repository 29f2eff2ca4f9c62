// The initial stack as Linux's ABI lays it out (x86-64 psABI, figure 3.9):
// from the top, the path, the environment and argument strings, the platform
// string and AT_RANDOM's 16 bytes; below them, 16-byte aligned, argc, argv[],
// NULL, envp[], NULL and the auxiliary vector. Like Linux's execve, exec
// fills the new stack's pages itself (through the direct map) and then maps
// them, rather than writing through the program's addresses and faulting
// each page in.
#include "exec/stack.h"
#include "mm/vm.h"
#include "mm/pmm.h"
#include "drivers/rng.h"
#include "arch/x86_64/cpu.h"
#include "sched/proc.h"
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <linux/auxvec.h>

#define STACK_SIZE    (8ull << 20)    // RLIMIT_STACK's default
#define STACK_RND     (1ull << 22)    // pages of randomisation of the stack top
#define ARG_MAX_LINUX (2ull << 20)   // what we accept for argv + envp strings
#define PLATFORM      "x86_64"

// The auxiliary vector's entries, in the order Linux gives them.
enum {
    AUX_SYSINFO_EHDR,
    AUX_MINSIGSTKSZ,   // x86-64's own two come first
    AUX_HWCAP,
    AUX_PAGESZ,
    AUX_CLKTCK,
    AUX_PHDR,
    AUX_PHENT,
    AUX_PHNUM,
    AUX_BASE,
    AUX_FLAGS,
    AUX_ENTRY,
    AUX_UID,
    AUX_EUID,
    AUX_GID,
    AUX_EGID,
    AUX_SECURE,
    AUX_RANDOM,
    AUX_HWCAP2,
    AUX_EXECFN,
    AUX_PLATFORM,
    AUX_NULL,
    NUM_AUXV
};

// Each entry's type, and the values that are the same for every program:
// one copy, then fill_auxv writes the rest (a store per type and constant
// costs boot more to translate than the copy).
static const uint64_t auxv_template[NUM_AUXV][2] = {
    [AUX_SYSINFO_EHDR] = { AT_SYSINFO_EHDR },
    [AUX_MINSIGSTKSZ] = { AT_MINSIGSTKSZ },
    [AUX_HWCAP] = { AT_HWCAP },
    [AUX_PAGESZ] = { AT_PAGESZ, PAGE_SIZE },
    [AUX_CLKTCK] = { AT_CLKTCK, 100 },
    [AUX_PHDR] = { AT_PHDR },
    [AUX_PHENT] = { AT_PHENT },
    [AUX_PHNUM] = { AT_PHNUM },
    [AUX_BASE] = { AT_BASE },
    [AUX_FLAGS] = { AT_FLAGS, 0 },
    [AUX_ENTRY] = { AT_ENTRY },
    [AUX_UID] = { AT_UID },
    [AUX_EUID] = { AT_EUID },
    [AUX_GID] = { AT_GID },
    [AUX_EGID] = { AT_EGID },
    [AUX_SECURE] = { AT_SECURE, 0 },
    [AUX_RANDOM] = { AT_RANDOM },
    [AUX_HWCAP2] = { AT_HWCAP2, 0 },   // no FSGSBASE for the program (CR4.FSGSBASE off)
    [AUX_EXECFN] = { AT_EXECFN },
    [AUX_PLATFORM] = { AT_PLATFORM },
    [AUX_NULL] = { AT_NULL, 0 },
};

static void
fill_auxv(uint64_t (*a)[2], const struct mm *mm, const struct elf_image *prog,
          const struct elf_image *interp, uint64_t random, uint64_t platform, uint64_t execfn)
{
    struct creds *c = &current_proc()->creds;

    memcpy(a, auxv_template, sizeof(auxv_template));
    a[AUX_SYSINFO_EHDR][1] = mm->vdso;
    a[AUX_HWCAP][1] = cpu_features.hwcap;
    a[AUX_PHDR][1] = prog->phdr;
    a[AUX_PHENT][1] = prog->phent;
    a[AUX_PHNUM][1] = prog->phnum;
    a[AUX_BASE][1] = interp ? interp->base : 0;
    a[AUX_ENTRY][1] = prog->entry;
    a[AUX_UID][1] = c->ruid;
    a[AUX_EUID][1] = c->euid;
    a[AUX_GID][1] = c->rgid;
    a[AUX_EGID][1] = c->egid;
    a[AUX_RANDOM][1] = random;
    a[AUX_EXECFN][1] = execfn;
    a[AUX_PLATFORM][1] = platform;
    a[AUX_MINSIGSTKSZ][1] = cpu_features.xsave_size + 1024;
}

// argv[], NULL, envp[], NULL as the program sees them: the strings are
// copied as one block to STRINGS, so each keeps its offset from argv[0].
// The two NULLs are written after the loop, which so has no branch in it.
static void
fill_pointers(uint64_t *dst, const struct exec_args *args, uint64_t strings)
{
    const char *const *v = args->argv;

    for (uint64_t i = 0; i < args->argc + 1 + args->envc + 1; i++)
        dst[i] = strings + ((uint64_t)v[i] - (uint64_t)v[0]);
    dst[args->argc] = dst[args->argc + 1 + args->envc] = 0;
}

long
stack_map(struct mm *mm)
{
    uint64_t top = USER_TOP - ((random_u64() & (STACK_RND - 1)) << PAGE_SHIFT);

    mm->stack_top = top;
    // Leave a gap of at least 128 MiB under the stack's limit before mmap's area, as Linux does.
    mm->mmap_base = ALIGN_DOWN(top - STACK_SIZE - (128ull << 20) -
                                   ((random_u64() & ((1ull << 28) - 1)) << PAGE_SHIFT),
                               PAGE_SIZE);
    return vm_map_fixed(mm, top - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE, VMA_STACK);
}

// Every address is worked out first, so the pages are allocated once and
// filled where they are; the 8 bytes at the top and all padding stay zero.
long
stack_build(struct mm *mm, const struct exec_args *args, const struct elf_image *prog,
            const struct elf_image *interp)
{
    uint64_t top = mm->stack_top, path_len = strlen(args->path) + 1;
    uint64_t execfn = top - 8 - path_len, strings = execfn - (args->strings_end - args->argv[0]);
    uint64_t platform = strings - sizeof(PLATFORM), random = ALIGN_DOWN(platform, 16) - 16;
    uint64_t nptrs = args->argc + 1 + args->envc + 1;
    // argc + argv + NULL + envp + NULL + auxv must end 16-byte aligned at argc.
    uint64_t sp = ALIGN_DOWN(random - (1 + nptrs + 2 * NUM_AUXV) * 8, 16);
    uint64_t bottom = ALIGN_DOWN(sp, PAGE_SIZE), pa, k; // user address A is at kernel k + A

    // Linux counts the pointers against the limit too; they must fit the stack's region.
    if ((top - strings > ARG_MAX_LINUX) | (top - bottom > STACK_SIZE))
        return -E2BIG;
    if (!(pa = pmm_alloc_contig((top - bottom) / PAGE_SIZE)))
        return -ENOMEM;
    k = (uint64_t)phys_to_virt(pa) - bottom;
    memset((void *)(k + bottom), 0, top - bottom);
    memcpy((void *)(k + execfn), args->path, path_len);
    memcpy((void *)(k + strings), args->argv[0], args->strings_end - args->argv[0]);
    memcpy((void *)(k + platform), PLATFORM, sizeof(PLATFORM));
    rng_bytes((void *)(k + random), 16);
    *(uint64_t *)(k + sp) = args->argc;
    mm->arg_start = strings;
    mm->start_stack = sp;
    mm->env_start = mm->arg_end =
        strings + ((args->envc ? args->argv[args->argc + 1] : args->strings_end) - args->argv[0]);
    mm->env_end = strings + (args->strings_end - args->argv[0]);
    fill_pointers((uint64_t *)(k + sp + 8), args, strings);
    fill_auxv((uint64_t(*)[2])(k + sp + 8 + nptrs * 8), mm, prog, interp, random, platform, execfn);
    return vm_map_pages(mm, bottom, pa, (top - bottom) / PAGE_SIZE, PROT_READ | PROT_WRITE)
               ?: (long)sp;
}
