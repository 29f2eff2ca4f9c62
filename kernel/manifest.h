// The boot manifest from the host (docs/boot-protocol.md): a binary header and
// NUL-terminated strings that QEMU's loader device puts at MANIFEST_PHYS
// before the kernel starts. The strings stay there: the pointers below point
// into it.
#pragma once
#include "types.h"

#define MANIFEST_PHYS     0x200000ul           // 2 MiB: just above the kernel image
#define MANIFEST_MAX_SIZE (4ul << 20)
#define MANIFEST_SEED_LEN 96

struct manifest {
    const char *path;                 // guest path of the program
    const char **argv;                // NULL-terminated
    int argc;
    const char **envp;                // NULL-terminated
    int envc;
    const char *cwd;
    bool tty[3];                      // is the host's fd 0/1/2 a terminal
    bool stdin_relay;                 // the host forwards its stdin on COM3 (else stdin is empty)
    uint8_t *seed;                    // MANIFEST_SEED_LEN random bytes (drivers/rng.c uses them in place)
    uint64_t time_ns;
    const char *hostname;
    uint16_t win_rows, win_cols;      // the host terminal's size; 0 when not given
    const char *termios;              // the host terminal's modes (console.c parses them), or NULL
    // Where the program's bytes are in the initramfs; size 0 when not given.
    uint64_t program_offset, program_size;
    uint32_t program_mode;
};

extern struct manifest manifest;
uint64_t manifest_size(void);         // bytes at MANIFEST_PHYS to keep, 0 when there is no manifest
void manifest_load(void);             // panics with the reason when it is missing or malformed
