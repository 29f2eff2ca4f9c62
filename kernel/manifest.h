// The boot manifest from the host (docs/boot-protocol.md): a binary header,
// argv's and envp's pointer arrays and NUL-terminated strings that QEMU's
// loader device puts at MANIFEST_PHYS before the kernel starts. It stays
// there: the host lays it out for the address the kernel sees it at
// (MANIFEST_VIRT), so the kernel uses its fields and pointers as they are.
#pragma once
#include "types.h"
#include "layout.h"

#define MANIFEST_PHYS     0x200000ul          // 2 MiB: just above the kernel image
#define MANIFEST_VIRT     (DIRECT_BASE + MANIFEST_PHYS)
#define MANIFEST_MAX_SIZE (4ul << 20)
#define MANIFEST_SEED_LEN 96

#define MANIFEST_TTY0        (1u << 0)     // flags: the host's fd 0, 1, 2 is a terminal (bits 0-2)
#define MANIFEST_STDIN_RELAY (1u << 3)     // flags: the host forwards its stdin on COM3

struct manifest_header {
    uint64_t magic;
    uint32_t version;
    uint32_t size;                    // header and strings
    uint32_t argc, envc;
    uint32_t flags;
    uint16_t win_rows, win_cols;      // the host terminal's size; 0 when not given
    uint64_t time_ns;                 // the host's CLOCK_REALTIME at start
    uint8_t seed[MANIFEST_SEED_LEN];  // random bytes (drivers/rng.c uses them in place)
    uint64_t program_offset, program_size;   // the program's bytes in the initramfs; size 0: not given
    uint32_t program_mode, reserved;
    uint64_t base;                    // the address the host laid it out for: MANIFEST_VIRT
    // Into the manifest, as the kernel sees it.
    const char *path, *cwd, *hostname;
    const char *termios;              // the host terminal's modes, or NULL
    const char **argv, **envp;        // NULL-terminated
};

_Static_assert(sizeof(struct manifest_header) == 216, "the header layout of docs/boot-protocol.md");

struct manifest {
    struct manifest_header *raw;      // the fixed fields
    const char *path;                 // guest path of the program
    const char *cwd;
    const char *hostname;
    const char *termios;              // the host terminal's modes (console.c parses them), or NULL
    const char **argv;                // NULL-terminated
    const char **envp;                // NULL-terminated
};

extern struct manifest manifest;
void manifest_load(void);             // panics with the reason when it is missing or malformed

// Bytes at MANIFEST_PHYS to keep (after manifest_load).
static inline uint64_t manifest_size(void) { return manifest.raw->size; }

static inline bool manifest_tty(int fd) { return manifest.raw->flags & (MANIFEST_TTY0 << fd); }
static inline bool manifest_stdin_relay(void) { return manifest.raw->flags & MANIFEST_STDIN_RELAY; }
