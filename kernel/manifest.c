// Reads the boot manifest the host put in memory at MANIFEST_PHYS: a fixed
// binary header whose pointers (argv, envp, the strings) are already the
// addresses the kernel sees (docs/boot-protocol.md). Nothing to parse, copy
// or count: under TCG every distinct instruction before the program starts
// costs about a microsecond, and every branch a few more.
#include "manifest.h"
#include "log.h"

struct manifest manifest;

// Before the physical page allocator (which reserves the manifest's bytes)
// and the heap: it needs neither.
void
manifest_load(void)
{
    struct manifest_header *h = (struct manifest_header *)MANIFEST_VIRT;
    // Clamped, so a bad size cannot send the read of the last byte astray.
    const char *last = (char *)h + MIN(h->size - 1ull, MANIFEST_MAX_SIZE - 1);

    if (h->magic != MANIFEST_MAGIC)
        panic("no boot manifest at 0x%lx: QEMU was started without its loader device", (uint64_t)MANIFEST_PHYS);
    // One test for all: each branch is a translation block at boot.
    // exec copies argv's and envp's strings as one block, and their pointer
    // arrays as one (exec/stack.c): so the arrays come right after the header,
    // envp's after argv's NULL.
    if ((h->version != MANIFEST_VERSION) | (h->base != MANIFEST_VIRT) | (h->size > MANIFEST_MAX_SIZE) |
        (h->size < sizeof(*h) + 8 * (h->argc + 1ull + h->envc + 1)) | (*last != 0) | (h->argc == 0) |
        (h->argv != (const char **)(h + 1)) | (h->envp != h->argv + h->argc + 1))
        panic("manifest: version %u, %u bytes at 0x%lx, %u arguments: not one this kernel reads",
              h->version, h->size, h->base, h->argc);
    manifest = (struct manifest){
        .raw = h, .path = h->path, .cwd = h->cwd, .hostname = h->hostname, .termios = h->termios,
        .argv = h->argv, .envp = h->envp,
    };
}
