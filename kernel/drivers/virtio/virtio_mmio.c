// virtio over MMIO (virtio 1.2, 4.2): each device is a window of 32-bit
// registers (4.2.2) and an interrupt line. Where the windows are comes from
// the firmware: `virtio_mmio.device=SIZE@ADDR:IRQ` entries on the kernel
// command line (the format Linux reads, which Firecracker writes), else the
// DSDT's LNRO0005 devices, which is how QEMU 7.2's microvm describes them (it
// also edits the command line, but not the one a PVH kernel is given).
// Only modern devices (version 2) are driven; QEMU gives microvm legacy ones
// unless told `-global virtio-mmio.force-legacy=false` (loader/vm.py does).
#include "drivers/virtio/virtio_mmio.h"
#include "drivers/virtio/virtio.h"
#include "drivers/acpi.h"
#include "arch/x86_64/pvh.h"
#include "layout.h"
#include "lib/string.h"
#include "log.h"
#include <linux/virtio_mmio.h>

#define MMIO_MAGIC     0x74726976   // "virt", little-endian
#define MMIO_MODERN    2
#define MMIO_LEGACY    1
#define MMIO_MAX_FOUND 32
#define CMDLINE_KEY    "virtio_mmio.device="
// boot.S maps the MMIO hole (3-4 GiB) uncached; a window elsewhere would be
// cached and so not a device window we can use.
#define MMIO_HOLE_START 0xc0000000ull
#define MMIO_HOLE_END   0x100000000ull

__after_boot static volatile uint32_t *
reg(struct virtio_dev *d, uint32_t off)
{
    return (volatile uint32_t *)((uint8_t *)d->transport_data + off);
}

__after_boot static uint32_t
rd(struct virtio_dev *d, uint32_t off)
{
    return *reg(d, off);
}
__after_boot static void
wr(struct virtio_dev *d, uint32_t off, uint32_t v)
{
    *reg(d, off) = v;
}

// 4.2.2: DeviceFeatures shows 32 bits at a time, chosen by DeviceFeaturesSel.
__after_boot static uint64_t
mmio_get_features(struct virtio_dev *d)
{
    uint64_t f;

    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    f = (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    return f | rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

__after_boot static void
mmio_set_features(struct virtio_dev *d, uint64_t f)
{
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, f >> 32);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

__after_boot static uint8_t
mmio_get_status(struct virtio_dev *d)
{
    return rd(d, VIRTIO_MMIO_STATUS);
}
__after_boot static void
mmio_set_status(struct virtio_dev *d, uint8_t s)
{
    wr(d, VIRTIO_MMIO_STATUS, s);
}

__after_boot static uint32_t
mmio_config_generation(struct virtio_dev *d)
{
    return rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
}

// 4.2.2.2: configuration fields are read with accesses of their own width.
__after_boot static void
mmio_read_config(struct virtio_dev *d, uint32_t off, void *buf, uint32_t len)
{
    volatile uint8_t *cfg = (uint8_t *)d->transport_data + VIRTIO_MMIO_CONFIG + off;

    if (len == 4)
        *(uint32_t *)buf = *(volatile uint32_t *)cfg;
    else if (len == 2)
        *(uint16_t *)buf = *(volatile uint16_t *)cfg;
    else
        for (uint32_t i = 0; i < len; i++)
            ((uint8_t *)buf)[i] = cfg[i];
}

__after_boot static void
mmio_write_config(struct virtio_dev *d, uint32_t off, const void *buf, uint32_t len)
{
    volatile uint8_t *cfg = (uint8_t *)d->transport_data + VIRTIO_MMIO_CONFIG + off;

    if (len == 4)
        *(volatile uint32_t *)cfg = *(const uint32_t *)buf;
    else if (len == 2)
        *(volatile uint16_t *)cfg = *(const uint16_t *)buf;
    else
        for (uint32_t i = 0; i < len; i++)
            cfg[i] = ((const uint8_t *)buf)[i];
}

// 4.2.3.2 steps 1-3: select the queue, check it is not in use, read its maximum size.
__after_boot static uint16_t
mmio_queue_max(struct virtio_dev *d, uint16_t q)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
    if (rd(d, VIRTIO_MMIO_QUEUE_READY))
        return 0;
    return MIN(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), UINT16_MAX);
}

// 4.2.3.2 steps 5-8: the size, the three addresses, then QueueReady.
__after_boot static void
mmio_queue_enable(struct virtio_dev *d, uint16_t q, uint16_t size, uint64_t desc, uint64_t driver,
                  uint64_t device)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, size);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, desc >> 32);
    wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)driver);
    wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, driver >> 32);
    wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)device);
    wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, device >> 32);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

// 4.2.3.3: the queue's number written to QueueNotify.
__after_boot static void
mmio_notify(struct virtio_dev *d, uint16_t q)
{
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

// 4.2.3.4: read InterruptStatus, write the bits handled to InterruptACK.
__after_boot static uint32_t
mmio_ack_interrupt(struct virtio_dev *d)
{
    uint32_t s = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);

    if (s)
        wr(d, VIRTIO_MMIO_INTERRUPT_ACK, s);
    return s;
}

static const struct virtio_transport mmio_transport = {
    .name = "virtio-mmio",
    .get_features = mmio_get_features,
    .set_features = mmio_set_features,
    .get_status = mmio_get_status,
    .set_status = mmio_set_status,
    .config_generation = mmio_config_generation,
    .read_config = mmio_read_config,
    .write_config = mmio_write_config,
    .queue_max = mmio_queue_max,
    .queue_enable = mmio_queue_enable,
    .notify = mmio_notify,
    .ack_interrupt = mmio_ack_interrupt,
};

// 4.2.3.1.1: "The driver MUST ignore a device with MagicValue which is not
// 0x74726976 ... with Version which is not 0x2 ... with DeviceID 0x0".
__after_boot static void
probe_window(uint64_t base, uint64_t size, uint32_t irq)
{
    struct virtio_dev d = { .t = &mmio_transport, .addr = base, .irq = irq };
    uint32_t version;

    if (base < MMIO_HOLE_START || base + MAX(size, 0x200) > MMIO_HOLE_END || size < 0x100) {
        klog("virtio-mmio: window 0x%lx (%lu bytes) is outside the MMIO hole; ignored", base, size);
        return;
    }
    d.transport_data = phys_to_virt(base);
    if (rd(&d, VIRTIO_MMIO_MAGIC_VALUE) != MMIO_MAGIC)
        return;
    version = rd(&d, VIRTIO_MMIO_VERSION);
    d.device_id = rd(&d, VIRTIO_MMIO_DEVICE_ID);
    if (d.device_id == 0)
        return;
    if (version != MMIO_MODERN) {
        klog("virtio-mmio: device %u at 0x%lx is %s (version %u); only version 2 is driven%s",
             d.device_id, base, version == MMIO_LEGACY ? "legacy" : "unknown", version,
             version == MMIO_LEGACY ? " (QEMU: -global virtio-mmio.force-legacy=false)" : "");
        return;
    }
    virtio_register(&d);
}

// A number as Linux's kernel command line writes it: decimal, or hex after 0x.
__after_boot static uint64_t
parse_number(const char *s, const char **end)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_u64(s + 2, 16, end);
    return parse_u64(s, 10, end);
}

// Linux's memparse: a number with an optional K, M or G.
__after_boot static uint64_t
parse_size(const char *s, const char **end)
{
    uint64_t n = parse_number(s, end);

    switch (**end) {
    case 'G':
    case 'g': n <<= 10;   // fall through
    case 'M':
    case 'm': n <<= 10;   // fall through
    case 'K':
    case 'k': n <<= 10; (*end)++;
    }
    return n;
}

__after_boot static const char *
find_key(const char *s, const char *key)
{
    size_t n = strlen(key);

    for (; *s; s++)
        if (strncmp(s, key, n) == 0)
            return s;
    return NULL;
}

// Every `virtio_mmio.device=SIZE@ADDR:IRQ[:ID]` of the command line; how many.
__after_boot static int
probe_cmdline(void)
{
    const struct hvm_start_info *si = phys_to_virt(boot_start_info);
    const char *p;
    int found = 0;

    if (si->magic != HVM_START_MAGIC || !si->cmdline_paddr || si->cmdline_paddr >= MMIO_HOLE_START)
        return 0;
    for (p = phys_to_virt(si->cmdline_paddr); (p = find_key(p, CMDLINE_KEY)); found++) {
        uint64_t size, base, irq;
        p += strlen(CMDLINE_KEY);
        size = parse_size(p, &p);
        if (*p++ != '@')
            break;
        base = parse_number(p, &p);
        if (*p++ != ':')
            break;
        irq = parse_number(p, &p);
        probe_window(base, size, irq);
    }
    return found;
}

__after_boot void
virtio_mmio_probe(void)
{
    struct acpi_dev_res res[MMIO_MAX_FOUND];
    int n;

    if (probe_cmdline())
        return;
    n = acpi_find_devices("LNRO0005", res, MMIO_MAX_FOUND);
    for (int i = 0; i < n; i++)
        probe_window(res[i].mem_base, res[i].mem_len, res[i].irq);
}
