// Reads the boot manifest the host put in memory at MANIFEST_PHYS: a fixed
// binary header whose pointers (argv, envp, the strings) are already the
// addresses the kernel sees (docs/boot-protocol.md). Nothing to parse, copy
// or count: under TCG every distinct instruction before the program starts
// costs about a microsecond, and every branch a few more.
#include "manifest.h"
#include "log.h"

#define MANIFEST_MAGIC   0x0064616f6c676b70ull   // "pkgload\0" read as a little-endian word
#define MANIFEST_VERSION 3

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
        panic("no boot manifest at 0x%lx: QEMU was started without its loader device", MANIFEST_PHYS);
    // One test, not six: each branch is a translation block at boot.
    if ((h->version != MANIFEST_VERSION) | (h->base != MANIFEST_VIRT) | (h->size < sizeof(*h)) |
        (h->size > MANIFEST_MAX_SIZE) | (*last != 0) | (h->argc == 0))
        panic("manifest: version %u, %u bytes at 0x%lx, %u arguments: not one this kernel reads",
              h->version, h->size, h->base, h->argc);
    manifest = (struct manifest){
        .raw = h, .path = h->path, .cwd = h->cwd, .hostname = h->hostname, .termios = h->termios,
        .argv = h->argv, .envp = h->envp,
    };
}
