// Reads the boot manifest the host put in memory at MANIFEST_PHYS: a fixed
// binary header, then the strings (docs/boot-protocol.md). Binary, in place,
// with no device to talk to: under TCG every distinct instruction before the
// program starts costs about a microsecond, and parsing key/value text read
// from fw_cfg cost about 0.7 ms of boot.
#include "manifest.h"
#include "layout.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "log.h"

#define MANIFEST_MAGIC   0x0064616f6c676b70ull   // "pkgload\0" read as a little-endian word
#define MANIFEST_VERSION 2

#define NUM_FIXED_STRINGS 4

struct manifest manifest;

static struct manifest_header *
header(void)
{
    struct manifest_header *h = phys_to_virt(MANIFEST_PHYS);

    return h->magic == MANIFEST_MAGIC ? h : NULL;
}

uint64_t
manifest_size(void)
{
    struct manifest_header *h = header();

    return h && h->size <= MANIFEST_MAX_SIZE ? h->size : 0;
}

void
manifest_load(void)
{
    struct manifest_header *h = header();
    const char *p, *end;
    const char **v;
    uint64_t nstrings;

    if (!h)
        panic("no boot manifest at 0x%lx: QEMU was started without its loader device", MANIFEST_PHYS);
    if (h->version != MANIFEST_VERSION || h->size < sizeof(*h) || h->size > MANIFEST_MAX_SIZE ||
        ((char *)h)[h->size - 1])
        panic("manifest: version %u, %u bytes: not one this kernel reads", h->version, h->size);
    nstrings = NUM_FIXED_STRINGS + (uint64_t)h->argc + h->envc;
    if (h->argc == 0 || nstrings > h->size || !(v = kmalloc((nstrings + 2) * sizeof(*v))))
        panic("manifest: %u arguments and %u environment strings", h->argc, h->envc);
    // The strings in order, argv's and envp's each followed by a NULL slot.
    p = h->strings, end = (char *)h + h->size;
    for (uint64_t i = 0; i < nstrings; i++) {
        if (p >= end)
            panic("manifest: %lu strings promised, %lu there", nstrings, i);
        v[i + (i >= NUM_FIXED_STRINGS + h->argc)] = p;
        p += strlen(p) + 1;
    }
    v[NUM_FIXED_STRINGS + h->argc] = NULL;
    v[nstrings + 1] = NULL;
    manifest.raw = h;
    manifest.path = v[0], manifest.cwd = v[1], manifest.hostname = v[2];
    manifest.termios = v[3][0] ? v[3] : NULL;
    manifest.argv = v + NUM_FIXED_STRINGS;
    manifest.envp = v + NUM_FIXED_STRINGS + h->argc + 1;
}
