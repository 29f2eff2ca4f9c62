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

#define MANIFEST_MAGIC   "pkgload\0"
#define MANIFEST_VERSION 2

#define FLAG_TTY0        (1u << 0)     // fd 0, 1, 2: bits 0, 1, 2
#define FLAG_STDIN_RELAY (1u << 3)

struct manifest_header {
    char magic[8];
    uint32_t version;
    uint32_t size;                    // header and strings
    uint32_t argc, envc;
    uint32_t flags;
    uint16_t win_rows, win_cols;
    uint64_t time_ns;
    uint8_t seed[MANIFEST_SEED_LEN];
    uint64_t program_offset, program_size;
    uint32_t program_mode, reserved;
    char strings[];                   // path, cwd, hostname, termios ("" for none), argv, envp
};

_Static_assert(sizeof(struct manifest_header) == 160, "the header layout of docs/boot-protocol.md");

#define NUM_FIXED_STRINGS 4

struct manifest manifest;

static struct manifest_header *
header(void)
{
    struct manifest_header *h = phys_to_virt(MANIFEST_PHYS);

    return memcmp(h->magic, MANIFEST_MAGIC, sizeof(h->magic)) ? NULL : h;
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
    manifest = (struct manifest){
        .path = v[0], .cwd = v[1], .hostname = v[2], .termios = v[3][0] ? v[3] : NULL,
        .argv = v + NUM_FIXED_STRINGS, .argc = h->argc,
        .envp = v + NUM_FIXED_STRINGS + h->argc + 1, .envc = h->envc,
        .tty = { h->flags & FLAG_TTY0, h->flags & (FLAG_TTY0 << 1), h->flags & (FLAG_TTY0 << 2) },
        .stdin_relay = h->flags & FLAG_STDIN_RELAY,
        .seed = h->seed, .time_ns = h->time_ns,
        .win_rows = h->win_rows, .win_cols = h->win_cols,
        .program_offset = h->program_offset, .program_size = h->program_size,
        .program_mode = h->program_mode,
    };
}
