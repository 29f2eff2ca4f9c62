// Reads the boot manifest the host put in memory at MANIFEST_PHYS: a fixed
// binary header whose pointers (argv, envp, the strings) are already the
// addresses the kernel sees (docs/boot-protocol.md). Nothing to parse, copy
// or count: under TCG every distinct instruction before the program starts
// costs about a microsecond, and every branch a few more.
#include "manifest.h"
#include "log.h"
#include "arch/x86_64/pvh.h"

struct manifest manifest;

// No manifest where QEMU's loader device puts it. QEMU loads the initramfs
// at the top of RAM, after the manifest: with too little memory for the
// image it lands on the manifest (the host refuses such a -m:
// loader/guest_memory.py; this names the cause for a host that did not).
static void
manifest_missing(const struct hvm_start_info *si)
{
    const struct hvm_modlist_entry *mods = phys_to_virt(si->modlist_paddr);

    for (uint32_t i = 0; i < si->nr_modules; i++)
        if (mods[i].paddr < MANIFEST_PHYS + MANIFEST_MAX_SIZE)
            panic(
                "no boot manifest at 0x%lx: the initramfs (%lu bytes at 0x%lx) was loaded over it: "
                "too little memory for the image",
                (uint64_t)MANIFEST_PHYS, mods[i].size, mods[i].paddr);
    panic("no boot manifest at 0x%lx: QEMU was started without its loader device",
          (uint64_t)MANIFEST_PHYS);
}

// Before the physical page allocator (which reserves the manifest's bytes)
// and the heap: it needs neither.
void
manifest_load(const struct hvm_start_info *si)
{
    struct manifest_header *h = (struct manifest_header *)MANIFEST_VIRT;
    // Clamped, so a bad size cannot send the read of the last byte astray.
    const char *last = (char *)h + MIN(h->size - 1ull, MANIFEST_MAX_SIZE - 1);

    if (h->magic != MANIFEST_MAGIC)
        manifest_missing(si);
    // One test for all: each branch is a translation block at boot.
    // exec copies argv's and envp's strings as one block, and their pointer
    // arrays as one (exec/stack.c): so the arrays come right after the header,
    // envp's after argv's NULL.
    if ((h->version != MANIFEST_VERSION) | (h->base != MANIFEST_VIRT) |
        (h->size > MANIFEST_MAX_SIZE) |
        (h->size < sizeof(*h) + 8 * (h->argc + 1ull + h->envc + 1)) | (*last != 0) |
        (h->argc == 0) | (h->argv != (const char **)(h + 1)) | (h->envp != h->argv + h->argc + 1))
        panic("manifest: version %u, %u bytes at 0x%lx, %u arguments: not one this kernel reads",
              h->version, h->size, h->base, h->argc);
    manifest = (struct manifest){
        .raw = h,
        .path = h->path,
        .cwd = h->cwd,
        .hostname = h->hostname,
        .termios = h->termios,
        .argv = h->argv,
        .envp = h->envp,
    };
}
