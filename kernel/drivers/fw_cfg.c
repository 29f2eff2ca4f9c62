// QEMU fw_cfg over I/O ports (docs/specs/fw_cfg in QEMU): select an item by
// writing its key to 0x510, then read its bytes from 0x511. The directory
// (key 0x19) lists named files: a big-endian count, then 64-byte entries.
#include "drivers/fw_cfg.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_FILE_DIR  0x19

struct fw_cfg_file {
    uint32_t size;      // big-endian
    uint16_t select;    // big-endian
    uint16_t reserved;
    char name[56];
} __packed;

static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }
static uint16_t be16(uint16_t v) { return __builtin_bswap16(v); }

static void
read_bytes(void *buf, uint32_t size)
{
    __asm__ volatile("rep insb" : "+D"(buf), "+c"(size) : "d"(FW_CFG_PORT_DATA) : "memory");
}

void
fw_cfg_read(int selector, void *buf, uint32_t size)
{
    outw(FW_CFG_PORT_SEL, (uint16_t)selector);
    read_bytes(buf, size);
}

int
fw_cfg_find(const char *name, uint32_t *size)
{
    uint32_t count;
    struct fw_cfg_file f;

    outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
    read_bytes(&count, sizeof(count));
    count = be32(count);
    for (uint32_t i = 0; i < count; i++) {
        read_bytes(&f, sizeof(f));
        if (strncmp(f.name, name, sizeof(f.name)) == 0) {
            *size = be32(f.size);
            return be16(f.select);
        }
    }
    return -1;
}
