// The boot manifest from the host (docs/boot-protocol.md): a binary header,
// argv's and envp's pointer arrays and NUL-terminated strings that QEMU's
// loader device puts at MANIFEST_PHYS before the kernel starts. It stays
// there: the host lays it out for the address the kernel sees it at
// (MANIFEST_VIRT), so the kernel uses its fields and pointers as they are.
#pragma once
#include "types.h"
#include "layout.h"

// The header's layout and constants (MANIFEST_PHYS, MANIFEST_VIRT, ...) are
// generated from kernel/manifest.tsv, the one definition the host reads too.
#include "manifest_layout.h"

_Static_assert(MANIFEST_VIRT == DIRECT_BASE + MANIFEST_PHYS, "kernel/manifest.tsv: VIRT is the direct map of PHYS");

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
struct hvm_start_info;
void manifest_load(const struct hvm_start_info *si); // panics with the reason when missing or malformed

// Bytes at MANIFEST_PHYS to keep (after manifest_load).
static inline uint64_t manifest_size(void) { return manifest.raw->size; }

static inline bool manifest_tty(int fd) { return manifest.raw->flags & (MANIFEST_TTY0 << fd); }
static inline bool manifest_stdin_relay(void) { return manifest.raw->flags & MANIFEST_STDIN_RELAY; }
static inline bool manifest_has_net(void) { return manifest.raw->flags & MANIFEST_NET; }
