// The boot manifest from the host (docs/boot-protocol.md): a binary header and
// NUL-terminated strings that QEMU's loader device puts at MANIFEST_PHYS
// before the kernel starts. It stays there: the kernel reads the header's
// fields where they are and points at the strings.
#pragma once
#include "types.h"

#define MANIFEST_PHYS     0x200000ul          // 2 MiB: just above the kernel image
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
    char strings[];                   // path, cwd, hostname, termios ("" for none), argv, envp
};

_Static_assert(sizeof(struct manifest_header) == 160, "the header layout of docs/boot-protocol.md");

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
uint64_t manifest_size(void);         // bytes at MANIFEST_PHYS to keep, 0 when there is no manifest
void manifest_load(void);             // panics with the reason when it is missing or malformed

static inline bool manifest_tty(int fd) { return manifest.raw->flags & (MANIFEST_TTY0 << fd); }
static inline bool manifest_stdin_relay(void) { return manifest.raw->flags & MANIFEST_STDIN_RELAY; }
