// Reads opt/pkgload/manifest from fw_cfg: NUL-terminated key/value strings.
// Unknown keys are skipped so the host can add keys first.
#include "manifest.h"
#include "drivers/fw_cfg.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "log.h"

#define MANIFEST_FILE "opt/pkgload/manifest"
#define MANIFEST_MAGIC "pkgload-manifest"

struct manifest manifest;

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void
parse_seed(const char *hex)
{
    for (size_t i = 0; i < sizeof(manifest.seed); i++) {
        int hi = hex_digit(hex[2 * i]), lo = hi < 0 ? -1 : hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            panic("manifest: seed is not %lu hex digits", 2 * sizeof(manifest.seed));
        manifest.seed[i] = hi << 4 | lo;
    }
    manifest.have_seed = true;
}

enum key {
    KEY_PATH, KEY_ARG, KEY_ENV, KEY_CWD, KEY_TTY, KEY_SEED, KEY_TIME, KEY_STDIN, KEY_HOSTNAME, KEY_WINSIZE,
    KEY_TERMIOS, NUM_KEYS
};

static const char *const key_names[NUM_KEYS] = {
    "path", "arg", "env", "cwd", "tty", "seed", "time", "stdin", "hostname", "winsize", "termios",
};

// One lookup loop and a switch rather than a chain of comparisons: fewer
// distinct instructions on the boot path (each costs a microsecond under TCG).
static int
find_key(const char *key)
{
    for (int i = 0; i < NUM_KEYS; i++)
        if (!strcmp(key, key_names[i]))
            return i;
    return -1;
}

static void
add_string(const char **v, int *n, const char *value)
{
    if (*n >= MANIFEST_MAX_STRINGS - 1)
        panic("manifest: more than %d arguments or environment strings", MANIFEST_MAX_STRINGS - 1);
    v[(*n)++] = value;
}

static void
set_key(const char *key, const char *value)
{
    switch (find_key(key)) {
    case KEY_PATH: manifest.path = value; break;
    case KEY_ARG: add_string(manifest.argv, &manifest.argc, value); break;
    case KEY_ENV: add_string(manifest.envp, &manifest.envc, value); break;
    case KEY_CWD: manifest.cwd = value; break;
    case KEY_TTY:
        for (int i = 0; i < 3 && value[i]; i++)
            manifest.tty[i] = value[i] == '1';
        break;
    case KEY_SEED: parse_seed(value); break;
    case KEY_TIME: manifest.time_ns = parse_u64(value, 10, NULL); break;
    case KEY_STDIN: manifest.stdin_relay = !strcmp(value, "relay"); break;
    case KEY_HOSTNAME: manifest.hostname = value; break;
    case KEY_TERMIOS: manifest.termios = value; break;
    case KEY_WINSIZE: {   // "ROWS COLUMNS"
        const char *end;
        manifest.win_rows = parse_u64(value, 10, &end);
        manifest.win_cols = *end == ' ' ? parse_u64(end + 1, 10, NULL) : 0;
        break;
    }
    }
}

// argv and envp, each big enough for every value in BUF (SIZE bytes) and a
// NULL: sized by the strings there, not MANIFEST_MAX_STRINGS, because under
// TCG zeroing 64 KiB costs a tenth of a millisecond of boot.
static void
alloc_string_arrays(const char *buf, uint32_t size)
{
    size_t n = 1;

    for (uint32_t i = 0; i < size; i++)
        n += !buf[i];
    n = MIN(n / 2 + 1, MANIFEST_MAX_STRINGS);
    manifest.argv = kmalloc(n * sizeof(char *));
    manifest.envp = kmalloc(n * sizeof(char *));
    if (!manifest.argv || !manifest.envp)
        panic("manifest: out of memory");
}

// Split BUF (SIZE bytes, plus a NUL the caller added) into key/value pairs.
static void
parse(char *buf, uint32_t size)
{
    char *p = buf, *end = buf + size;
    const char *strings[2];
    int n = 0;

    while (p < end) {
        char *s = p;
        p += strlen(p) + 1;
        strings[n++] = s;
        if (n == 2) {
            set_key(strings[0], strings[1]);
            n = 0;
        }
    }
}

void
manifest_load(void)
{
    uint32_t size;
    int sel = fw_cfg_find(MANIFEST_FILE, &size);
    char *buf;

    if (sel < 0)
        panic("no boot manifest: QEMU was started without -fw_cfg name=" MANIFEST_FILE);
    if (!(buf = kmalloc(size + 1)))
        panic("manifest: out of memory");
    fw_cfg_read(sel, buf, size);
    buf[size] = 0;
    alloc_string_arrays(buf, size);
    if (size < sizeof(MANIFEST_MAGIC) || strcmp(buf, MANIFEST_MAGIC))
        panic("manifest: bad magic");
    parse(buf, size);
    manifest.argv[manifest.argc] = NULL;
    manifest.envp[manifest.envc] = NULL;
    if (!manifest.path || manifest.argc == 0)
        panic("manifest: no program path or argv");
    if (!manifest.cwd)
        manifest.cwd = "/";
    if (!manifest.hostname)
        manifest.hostname = "pkgload";
}
