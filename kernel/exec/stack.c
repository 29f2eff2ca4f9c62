// The initial stack as Linux's ABI lays it out (x86-64 psABI, figure 3.9):
// from the top, the path, the environment and argument strings, the platform
// string and AT_RANDOM's 16 bytes; below them, 16-byte aligned, argc, argv[],
// NULL, envp[], NULL and the auxiliary vector.
#include "exec/exec.h"
#include "mm/vm.h"
#include "mm/uaccess.h"
#include "drivers/rng.h"
#include "arch/x86_64/cpu.h"
#include "sched/proc.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <linux/auxvec.h>

#define STACK_SIZE   (8ull << 20)    // RLIMIT_STACK's default
#define STACK_RND    (1ull << 22)    // pages of randomisation of the stack top
#define MAX_AUXV     24
#define ARG_MAX_LINUX (2ull << 20)   // what we accept for argv + envp strings

struct stack_builder {
    uint64_t sp;        // grows down from the top
    long err;
};

// Push N bytes; return where they went.
static uint64_t
push_bytes(struct stack_builder *b, const void *p, size_t n)
{
    b->sp -= n;
    if (!b->err && copy_to_user((void __user *)b->sp, p, n) < 0)
        b->err = -EFAULT;
    return b->sp;
}

static uint64_t
push_string(struct stack_builder *b, const char *s)
{
    return push_bytes(b, s, strlen(s) + 1);
}

static int
count(const char *const *v)
{
    int n = 0;

    while (v && v[n])
        n++;
    return n;
}

static int
fill_auxv(uint64_t *auxv, const struct elf_image *prog, const struct elf_image *interp, uint64_t random,
          uint64_t platform, uint64_t execfn)
{
    struct creds *c = &current_proc()->creds;
    uint64_t entries[][2] = {
        { AT_HWCAP, cpu_features.hwcap },
        { AT_PAGESZ, PAGE_SIZE },
        { AT_CLKTCK, 100 },
        { AT_PHDR, prog->phdr },
        { AT_PHENT, prog->phent },
        { AT_PHNUM, prog->phnum },
        { AT_BASE, interp ? interp->base : 0 },
        { AT_FLAGS, 0 },
        { AT_ENTRY, prog->entry },
        { AT_UID, c->ruid },
        { AT_EUID, c->euid },
        { AT_GID, c->rgid },
        { AT_EGID, c->egid },
        { AT_SECURE, 0 },
        { AT_RANDOM, random },
        { AT_HWCAP2, 0 },              // no FSGSBASE for the program (CR4.FSGSBASE off)
        { AT_EXECFN, execfn },
        { AT_PLATFORM, platform },
        { AT_MINSIGSTKSZ, cpu_features.xsave_size + 1024 },
        { AT_NULL, 0 },
    };
    int n = ARRAY_SIZE(entries);

    memcpy(auxv, entries, sizeof(entries));
    return n;
}

// Copy the strings of V onto the stack, recording where each went in PTRS.
static void
push_strings(struct stack_builder *b, const char *const *v, int n, uint64_t *ptrs)
{
    for (int i = n - 1; i >= 0; i--)
        ptrs[i] = push_string(b, v[i]);
}

long
stack_map(struct mm *mm)
{
    uint64_t top = USER_TOP - ((random_u64() & (STACK_RND - 1)) << PAGE_SHIFT);

    mm->stack_top = top;
    // Leave a gap of at least 128 MiB under the stack's limit before mmap's area, as Linux does.
    mm->mmap_base = ALIGN_DOWN(top - STACK_SIZE - (128ull << 20) -
                               ((random_u64() & ((1ull << 28) - 1)) << PAGE_SHIFT), PAGE_SIZE);
    return vm_map_fixed(mm, top - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE, VMA_STACK);
}

long
stack_build(struct mm *mm, const struct exec_args *args, const struct elf_image *prog,
            const struct elf_image *interp)
{
    int argc = count(args->argv), envc = count(args->envp), nwords, nauxv;
    uint64_t auxv[MAX_AUXV * 2], *ptrs, execfn, platform, random, rnd[2];
    struct stack_builder b;

    if (!(ptrs = kmalloc(sizeof(uint64_t) * (argc + envc + 2))))
        return -ENOMEM;
    b = (struct stack_builder){ .sp = mm->stack_top - sizeof(uint64_t) };
    execfn = push_string(&b, args->path);
    push_strings(&b, args->envp, envc, ptrs + argc + 1);
    push_strings(&b, args->argv, argc, ptrs);
    ptrs[argc] = 0;
    ptrs[argc + 1 + envc] = 0;
    if (mm->stack_top - b.sp > ARG_MAX_LINUX)
        b.err = -E2BIG;
    platform = push_string(&b, "x86_64");
    rng_bytes(rnd, sizeof(rnd));
    b.sp = ALIGN_DOWN(b.sp, 16);
    random = push_bytes(&b, rnd, sizeof(rnd));
    nauxv = fill_auxv(auxv, prog, interp, random, platform, execfn);

    // argc + argv + NULL + envp + NULL + auxv must end 16-byte aligned at argc.
    nwords = 1 + argc + 1 + envc + 1 + 2 * nauxv;
    b.sp = ALIGN_DOWN(b.sp - nwords * 8, 16) + nwords * 8;
    push_bytes(&b, auxv, nauxv * 16);
    push_bytes(&b, ptrs, (argc + 1 + envc + 1) * 8);
    uint64_t argc64 = argc;
    push_bytes(&b, &argc64, 8);
    kfree(ptrs);
    return b.err ? b.err : (long)b.sp;
}
