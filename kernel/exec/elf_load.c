// Maps an ELF executable's PT_LOAD segments like Linux's binfmt_elf: each
// page holds the file bytes at its congruent offset and zeros past p_filesz,
// filled on first touch straight from the initramfs. ET_DYN
// files (static-pie, PIE, the dynamic linker) go at a randomised base.
#include "exec/exec.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>
#include <asm-generic/mman-common.h>
#include <linux/elf.h>

#define PIE_BASE     0x555555554000ull   // Linux's ELF_ET_DYN_BASE on x86-64
#define PIE_RND_BITS 28                  // pages of randomisation, as mmap_rnd_bits

static long
check_header(const Elf64_Ehdr *eh, uint64_t size)
{
    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
        return -ENOEXEC;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return -ENOEXEC;
    if (eh->e_machine != EM_X86_64 || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
        return -ENOEXEC;
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64)
        return -ENOEXEC;
    if (eh->e_phoff > size || eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff)
        return -ENOEXEC;
    return 0;
}

static uint32_t
segment_prot(uint32_t p_flags)
{
    return (p_flags & PF_R ? PROT_READ : 0) | (p_flags & PF_W ? PROT_WRITE : 0) | (p_flags & PF_X ? PROT_EXEC : 0);
}

// Map one PT_LOAD segment; its pages are filled from the file when first
// touched. A page two segments share goes to the later one, as with Linux's
// MAP_FIXED mappings; its bytes come from the same file offsets either way.
static long
map_segment(struct mm *mm, const Elf64_Phdr *ph, uint64_t bias, struct vnode *vn, const char *path,
            uint64_t start, uint64_t end)
{
    uint64_t va = bias + ph->p_vaddr;
    struct vma_backing backing = {
        .vn = vn,
        .off = ph->p_offset - (va - start),   // congruent offset of the first page
        .end = ph->p_offset + ph->p_filesz,
    };

    if ((va - start) != (ph->p_offset & (PAGE_SIZE - 1)))
        return -ENOEXEC;                      // not congruent: Linux refuses too
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

    load_span(ph, eh->e_phnum, &lo, &hi, &align);
    if (eh->e_type == ET_EXEC)
        return 0;
    if (interp) {
        base = vm_find_free(mm, hi - lo + align, 0);
        return base ? ALIGN_UP(base, align) - lo : 0;
    }
    base = PIE_BASE + ((random_u64() & ((1ull << PIE_RND_BITS) - 1)) << PAGE_SHIFT);
    return ALIGN_UP(base, align) - lo;
}

static void
note_headers(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, struct vnode *vn, struct elf_image *out)
{
    uint64_t first_load_vaddr = UINT64_MAX;

    out->phnum = eh->e_phnum;
    out->phent = eh->e_phentsize;
    out->entry = out->base + eh->e_entry;
    out->phdr = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_PHDR)
            out->phdr = out->base + ph[i].p_vaddr;
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0 && first_load_vaddr == UINT64_MAX)
            first_load_vaddr = ph[i].p_vaddr;
        if (ph[i].p_type == PT_INTERP && ph[i].p_filesz < sizeof(out->interp) &&
            vnode_read(vn, out->interp, ph[i].p_filesz, ph[i].p_offset) == (ssize_t)ph[i].p_filesz)
            out->interp[ph[i].p_filesz] = 0;
    }
    if (!out->phdr && first_load_vaddr != UINT64_MAX)
        out->phdr = out->base + first_load_vaddr + eh->e_phoff;
}

// Read the ELF header and program headers of VN into HDR (caller frees *HDR).
static long
read_headers(struct vnode *vn, Elf64_Ehdr *eh, Elf64_Phdr **phdrs)
{
    size_t len;
    long ret;

    if (vnode_read(vn, eh, sizeof(*eh), 0) != sizeof(*eh))
        return -ENOEXEC;
    if ((ret = check_header(eh, vn->size)) < 0)
        return ret;
    len = eh->e_phnum * sizeof(Elf64_Phdr);
    if (!(*phdrs = kmalloc(len)))
        return -ENOMEM;
    if (vnode_read(vn, *phdrs, len, eh->e_phoff) != (ssize_t)len) {
        kfree(*phdrs);
        return -ENOEXEC;
    }
    return 0;
}

static long
map_all(struct mm *mm, const Elf64_Phdr *ph, int n, struct vnode *vn, const char *path, struct elf_image *out)
{
    long ret;

    for (int i = 0; i < n; i++) {
        uint64_t start, end;
        if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
            continue;
        if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > vn->size ||
            ph[i].p_filesz > vn->size - ph[i].p_offset)
            return -ENOEXEC;
        start = ALIGN_DOWN(out->base + ph[i].p_vaddr, PAGE_SIZE);
        end = ALIGN_UP(out->base + ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE);
        if (start < USER_MIN || end > USER_TOP || end <= start)
            return -ENOEXEC;
        if ((ret = map_segment(mm, &ph[i], out->base, vn, path, start, end)) < 0)
            return ret;
        out->end = MAX(out->end, end);
    }
    return 0;
}

long
elf_load(struct mm *mm, struct vnode *vn, const char *path, bool interp, struct elf_image *out)
{
    Elf64_Ehdr eh;
    Elf64_Phdr *ph;
    long ret;

    if (!vnode_is_reg(vn))
        return -EACCES;
    if ((ret = read_headers(vn, &eh, &ph)) < 0)
        return ret;
    memset(out, 0, sizeof(*out));
    out->base = choose_bias(mm, &eh, ph, interp);
    ret = map_all(mm, ph, eh.e_phnum, vn, path, out);
    if (ret == 0)
        note_headers(&eh, ph, vn, out);
    kfree(ph);
    return ret;
}
