// Maps an ELF executable's PT_LOAD segments like Linux's binfmt_elf: each
// page holds the file bytes at its congruent offset and zeros past p_filesz,
// filled on first touch straight from the initramfs. ET_DYN
// files (static-pie, PIE, the dynamic linker) go at a randomised base.
#include "exec/elf_load.h"
#include "drivers/rng.h"
#include "mm/vm.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <linux/elf.h>

#define PIE_BASE     0x555555554000ull   // Linux's ELF_ET_DYN_BASE on x86-64
#define PIE_RND_BITS 28                  // pages of randomisation, as mmap_rnd_bits

// The first 6 bytes of e_ident as one little-endian number: "\177ELF",
// ELFCLASS64, ELFDATA2LSB.
#define IDENT_64LSB 0x0102464c457full

// An x86-64 executable or shared object with 1 to 64 program headers. The
// tests are combined with & rather than && as they are cheap: each branch
// would be a translation block of boot. Where the headers lie is checked
// when they are looked up.
static bool
header_ok(const Elf64_Ehdr *eh)
{
    uint64_t ident;

    memcpy(&ident, eh->e_ident, sizeof(ident));
    return ((ident & 0xffffffffffffull) == IDENT_64LSB) & (eh->e_machine == EM_X86_64) &
           ((eh->e_type == ET_EXEC) | (eh->e_type == ET_DYN)) &
           (eh->e_phentsize == sizeof(Elf64_Phdr)) & (eh->e_phnum - 1u < 64);
}

static uint32_t
segment_prot(uint32_t p_flags)
{
    return (p_flags & PF_R ? PROT_READ : 0) | (p_flags & PF_W ? PROT_WRITE : 0) |
           (p_flags & PF_X ? PROT_EXEC : 0);
}

// Map one PT_LOAD segment; its pages are filled from the file when first
// touched. A page two segments share goes to the later one, as with Linux's
// MAP_FIXED mappings; its bytes come from the same file offsets either way.
// Refused like Linux: bytes past the file, a file size over the memory size,
// an offset not congruent with the address, or addresses outside the program's half.
static long
map_segment(struct mm *mm, const Elf64_Phdr *ph, uint64_t bias, struct vnode *vn, const char *path,
            uint64_t *end_out)
{
    uint64_t va = bias + ph->p_vaddr, start = ALIGN_DOWN(va, PAGE_SIZE);
    uint64_t end = ALIGN_UP(va + ph->p_memsz, PAGE_SIZE);
    struct vma_backing backing = {
        .vn = vn,
        .off = ph->p_offset - (va - start),   // congruent offset of the first page
        .end = ph->p_offset + ph->p_filesz,
    };

    if ((ph->p_filesz > ph->p_memsz) | (ph->p_offset > vn->size) |
        (ph->p_filesz > vn->size - ph->p_offset) | (start < USER_MIN) | (end > USER_TOP) |
        (end <= start) | ((va - start) != (ph->p_offset & (PAGE_SIZE - 1))))
        return -ENOEXEC;
    *end_out = MAX(*end_out, end);
    return vm_map_backed(mm, start, end - start, segment_prot(ph->p_flags), 0, &backing, path);
}

// The span of all PT_LOAD segments, and their largest alignment.
static void
load_span(const Elf64_Phdr *ph, int n, uint64_t *lo, uint64_t *hi, uint64_t *align)
{
    *lo = UINT64_MAX, *hi = 0, *align = PAGE_SIZE;
    for (int i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        *lo = MIN(*lo, ALIGN_DOWN(ph[i].p_vaddr, PAGE_SIZE));
        *hi = MAX(*hi, ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE));
        if (ph[i].p_align > *align && !(ph[i].p_align & (ph[i].p_align - 1)))
            *align = MIN(ph[i].p_align, 1ull << 30);
    }
}

static uint64_t
choose_bias(struct mm *mm, const Elf64_Ehdr *eh, const Elf64_Phdr *ph, bool interp)
{
    uint64_t lo, hi, align, base;

    if (eh->e_type == ET_EXEC)
        return 0;
    load_span(ph, eh->e_phnum, &lo, &hi, &align);
    if (interp) {
        base = vm_find_free(mm, hi - lo + align, 0);
        return base ? ALIGN_UP(base, align) - lo : 0;
    }
    base = PIE_BASE + ((random_u64() & ((1ull << PIE_RND_BITS) - 1)) << PAGE_SHIFT);
    return ALIGN_UP(base, align) - lo;
}

// PT_INTERP's path, when it fits (else the program is taken as static, as before).
static void
note_interp(const Elf64_Phdr *ph, struct vnode *vn, struct elf_image *out)
{
    const char *s = vnode_bytes(vn, ph->p_offset, ph->p_filesz);

    if (ph->p_filesz >= sizeof(out->interp))
        return;
    if (s)
        memcpy(out->interp, s, ph->p_filesz);
    else if (vnode_read(vn, out->interp, ph->p_filesz, ph->p_offset) != (ssize_t)ph->p_filesz)
        return;
    out->interp[ph->p_filesz] = 0;
}

// Map the PT_LOAD segments and note what the auxiliary vector needs: one
// pass. AT_PHDR is PT_PHDR's address or, failing that, where the first
// segment that starts at offset 0 holds the headers.
static long
map_all(struct mm *mm, const Elf64_Ehdr *eh, const Elf64_Phdr *ph, struct vnode *vn,
        const char *path, struct elf_image *out)
{
    uint64_t phdr = UINT64_MAX, first_load = UINT64_MAX;
    long ret;

    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_PHDR)
            phdr = ph[i].p_vaddr;
        if (ph[i].p_type == PT_INTERP)
            note_interp(&ph[i], vn, out);
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_offset == 0 && first_load == UINT64_MAX)
            first_load = ph[i].p_vaddr;
        if (ph[i].p_memsz && (ret = map_segment(mm, &ph[i], out->base, vn, path, &out->end)) < 0)
            return ret;
    }
    if (phdr == UINT64_MAX && first_load != UINT64_MAX)
        phdr = first_load + eh->e_phoff;
    out->phdr = phdr == UINT64_MAX ? 0 : out->base + phdr;
    out->phnum = eh->e_phnum;
    out->phent = eh->e_phentsize;
    out->entry = out->base + eh->e_entry;
    return 0;
}

// The headers of a file written since boot (no longer all in the archive),
// copied: the ELF header, then the program headers. NULL when short or no memory.
static void *
copy_headers(struct vnode *vn)
{
    Elf64_Ehdr *eh = kmalloc(sizeof(*eh) + 64 * sizeof(Elf64_Phdr));
    size_t phsize;

    if (!eh || vnode_read(vn, eh, sizeof(*eh), 0) != sizeof(*eh) || !header_ok(eh))
        goto fail;
    phsize = eh->e_phnum * sizeof(Elf64_Phdr);
    if (vnode_read(vn, eh + 1, phsize, eh->e_phoff) != (ssize_t)phsize)
        goto fail;
    return eh;
fail:
    kfree(eh);
    return NULL;
}

// The headers are read where they lie in memory, in the initramfs, unless
// the file was written since boot: then from a copy.
long
elf_load(struct mm *mm, struct vnode *vn, const char *path, bool interp, struct elf_image *out)
{
    const Elf64_Ehdr *eh;
    const Elf64_Phdr *ph;
    void *copy = NULL;
    long ret;

    if (!vnode_is_reg(vn))
        return -EACCES;
    if (!(eh = vnode_bytes(vn, 0, sizeof(*eh))) ||
        !(ph = vnode_bytes(vn, eh->e_phoff, eh->e_phnum * sizeof(Elf64_Phdr)))) {
        if (!(copy = copy_headers(vn)))
            return -ENOEXEC;
        eh = copy;
        ph = (const Elf64_Phdr *)(eh + 1);
    }
    if (!header_ok(eh)) {
        kfree(copy);
        return -ENOEXEC;
    }
    memset(out, 0, sizeof(*out));
    out->base = choose_bias(mm, eh, ph, interp);
    ret = map_all(mm, eh, ph, vn, path, out);
    kfree(copy);
    return ret;
}
