// QEMU fw_cfg (QEMU's docs/specs/fw_cfg.rst). Items are read with the DMA
// interface: one descriptor, one port write, the whole item copied into
// memory; the byte-at-a-time data port is the fallback. Under TCG every port
// access is an exit to QEMU, so DMA saves about a millisecond of boot.
// The directory (key 0x19) lists named files: a big-endian count, then
// 64-byte entries.
#include "drivers/fw_cfg.h"
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "layout.h"

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511
#define FW_CFG_PORT_DMA   0x514   // high half of the descriptor address; 0x518 the low half
#define FW_CFG_ID         0x01
#define FW_CFG_FILE_DIR   0x19
#define FW_CFG_VERSION_DMA 0x02

#define DMA_CTL_ERROR  0x01
#define DMA_CTL_READ   0x02
#define DMA_CTL_SELECT 0x08

struct fw_cfg_file {
    uint32_t size;      // big-endian
    uint16_t select;    // big-endian
    uint16_t reserved;
    char name[56];
} __packed;

struct fw_cfg_dma {
    uint32_t control;   // all big-endian
    uint32_t length;
    uint64_t address;
} __packed;

static int has_dma = -1;   // unknown until first use

static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }
static uint16_t be16(uint16_t v) { return __builtin_bswap16(v); }

static void
pio_read(int selector, void *buf, uint32_t size)
{
    outw(FW_CFG_PORT_SEL, (uint16_t)selector);
    __asm__ volatile("rep insb" : "+D"(buf), "+c"(size) : "d"(FW_CFG_PORT_DATA) : "memory");
}

static bool
dma_read(int selector, void *buf, uint32_t size)
{
    static struct fw_cfg_dma desc __attribute__((aligned(16)));
    uint64_t pa = virt_to_phys(&desc);

    desc.control = be32(((uint32_t)selector << 16) | DMA_CTL_SELECT | DMA_CTL_READ);
    desc.length = be32(size);
    desc.address = __builtin_bswap64(virt_to_phys(buf));
    __asm__ volatile("" ::: "memory");
    outl(FW_CFG_PORT_DMA, be32(pa >> 32));
    outl(FW_CFG_PORT_DMA + 4, be32((uint32_t)pa));   // starts the transfer
    while (be32(*(volatile uint32_t *)&desc.control) & ~DMA_CTL_ERROR)
        cpu_relax();
    return !(be32(desc.control) & DMA_CTL_ERROR);
}

void
fw_cfg_read(int selector, void *buf, uint32_t size)
{
    if (has_dma < 0) {
        uint32_t features = 0;
        pio_read(FW_CFG_ID, &features, sizeof(features));   // little-endian, unlike the rest
        has_dma = !!(features & FW_CFG_VERSION_DMA);
    }
    if (!has_dma || !dma_read(selector, buf, size))
        pio_read(selector, buf, size);
}

int
fw_cfg_find(const char *name, uint32_t *size)
{
    uint32_t count;
    struct fw_cfg_file *files;
    int sel = -1;

    pio_read(FW_CFG_FILE_DIR, &count, sizeof(count));
    count = be32(count);
    if (!(files = kmalloc(sizeof(count) + count * sizeof(*files))))
        return -1;
    fw_cfg_read(FW_CFG_FILE_DIR, files, sizeof(count) + count * sizeof(*files));
    for (uint32_t i = 0; i < count; i++) {
        struct fw_cfg_file *f = (struct fw_cfg_file *)((char *)files + sizeof(count)) + i;
        if (strncmp(f->name, name, sizeof(f->name)) == 0) {
            *size = be32(f->size);
            sel = be16(f->select);
            break;
        }
    }
    kfree(files);
    return sel;
}
