// The boot manifest from the host (docs/boot-protocol.md).
#pragma once
#include "types.h"

#define MANIFEST_MAX_STRINGS 4096

struct manifest {
    const char *path;                 // guest path of the program
    const char **argv;                // NULL-terminated
    int argc;
    const char **envp;                // NULL-terminated
    int envc;
    const char *cwd;
    bool tty[3];                      // is the host's fd 0/1/2 a terminal
    bool stdin_relay;                 // the host forwards its stdin on COM1 (else stdin is empty)
    uint8_t seed[96];      // RNG_KEY_BYTES for the kernel's RNG key, the rest for boot (drivers/rng.c)
    bool have_seed;
    uint64_t time_ns;
    const char *hostname;
    uint16_t win_rows, win_cols;      // the host terminal's size; 0 when not given
    const char *termios;              // the host terminal's modes (console.c parses them), or NULL
};

extern struct manifest manifest;
void manifest_load(void);             // panics with the reason when it is missing or malformed
