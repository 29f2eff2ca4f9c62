// The one ACPI table the kernel reads: the MADT ("APIC"), for where the
// I/O APICs are and how ISA IRQs map to their inputs. Found from the RSDP,
// whose address QEMU's microvm firmware (qboot) puts in the PVH start info,
// or else found where ACPI 6.5 (5.2.5.1) says: on a 16-byte boundary in
// 0xe0000-0xfffff. Read by the first wait, never at boot (docs/kernel.md,
// "Waiting").
#include "drivers/acpi.h"
#include "arch/x86_64/pvh.h"
#include "layout.h"
#include "lib/string.h"

#define BIOS_AREA_START 0xe0000
#define BIOS_AREA_END   0x100000
#define MAX_TABLE       0x10000
#define TABLES_END      (1ull << 32)   // boot.S maps physical 0-4 GiB for good

struct rsdp {
    char signature[8];      // "RSD PTR "
    uint8_t checksum;       // of the first 20 bytes
    char oem[6];
    uint8_t revision;       // 0: ACPI 1.0 (RSDT only); 2: XSDT too
    uint32_t rsdt;
    uint32_t length;        // revision 2 on
    uint64_t xsdt;
    uint8_t xchecksum;      // of the whole structure
    uint8_t reserved[3];
} __packed;

struct sdt_header {
    char signature[4];
    uint32_t length;        // header included
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_revision, creator, creator_revision;
} __packed;

struct madt_entry {
    uint8_t type, length;
} __packed;

#define MADT_LAPIC    0     // u8 ACPI processor id, u8 APIC id, u32 flags (bit 0 enabled)
#define MADT_IOAPIC   1     // u8 id, u8 reserved, u32 address, u32 GSI base
#define MADT_OVERRIDE 2     // u8 bus (0: ISA), u8 source IRQ, u32 GSI, u16 flags

// Unaligned little-endian fields, read without memcpy (whose inlining at
// boot call sites depends on how many callers it has).
__after_boot static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
__after_boot static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
__after_boot static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

__after_boot static bool
checksum_ok(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    while (n--)
        sum += *b++;
    return sum == 0;
}

// A table the firmware wrote: below 4 GiB (always mapped, boot.S), of
// a sane length, summing to 0. The first MiB, where qboot puts them, is
// never handed out (mm/pmm.c); a table elsewhere could have been
// overwritten by now, so nothing is trusted unchecked.
__after_boot static const struct sdt_header *
get_table(uint64_t pa)
{
    const struct sdt_header *t;

    if (!pa || pa >= TABLES_END - MAX_TABLE)
        return NULL;
    t = phys_to_virt(pa);
    if (t->length < sizeof(*t) || t->length > MAX_TABLE)
        return NULL;
    return checksum_ok(t, t->length) ? t : NULL;
}

__after_boot static const struct rsdp *
find_rsdp(void)
{
    const struct hvm_start_info *si = phys_to_virt(boot_start_info);

    if (si->magic == HVM_START_MAGIC && si->rsdp_paddr && si->rsdp_paddr < BIOS_AREA_END) {
        const struct rsdp *r = phys_to_virt(si->rsdp_paddr);
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && checksum_ok(r, 20))
            return r;
    }
    for (uint64_t pa = BIOS_AREA_START; pa < BIOS_AREA_END; pa += 16) {
        const struct rsdp *r = phys_to_virt(pa);
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && checksum_ok(r, 20))
            return r;
    }
    return NULL;
}

// The root table's entry I: 64-bit addresses in the XSDT, 32-bit in the RSDT.
__after_boot static const struct sdt_header *
root_entry(const struct sdt_header *root, bool wide, size_t i)
{
    const uint8_t *e = (const uint8_t *)(root + 1) + i * (wide ? 8 : 4);

    return get_table(wide ? get64(e) : get32(e));
}

__after_boot static const struct sdt_header *
find_madt(void)
{
    const struct rsdp *r = find_rsdp();
    const struct sdt_header *root;
    bool wide;

    if (!r)
        return NULL;
    wide = r->revision >= 2 && r->xsdt;
    if (!(root = get_table(wide ? r->xsdt : r->rsdt)))
        return NULL;
    for (size_t i = 0; i < (root->length - sizeof(*root)) / (wide ? 8 : 4); i++) {
        const struct sdt_header *t = root_entry(root, wide, i);
        if (t && memcmp(t->signature, "APIC", 4) == 0)
            return t;
    }
    return NULL;
}

__after_boot static void
add_entry(struct acpi_madt *m, const struct madt_entry *e)
{
    const uint8_t *b = (const uint8_t *)e;

    if (e->type == MADT_LAPIC && e->length >= 8 && (get32(b + 4) & 1) && m->num_cpus < ACPI_MAX_CPUS) {
        m->lapic_ids[m->num_cpus++] = b[3];
    } else if (e->type == MADT_IOAPIC && e->length >= 12 && m->num_ioapics < ACPI_MAX_IOAPICS) {
        struct acpi_ioapic *io = &m->ioapics[m->num_ioapics++];
        io->address = get32(b + 4);
        io->gsi_base = get32(b + 8);
    } else if (e->type == MADT_OVERRIDE && e->length >= 10 && b[2] == 0 &&
               m->num_overrides < ACPI_MAX_OVERRIDES) {
        struct acpi_override *o = &m->overrides[m->num_overrides++];
        o->irq = b[3];
        o->gsi = get32(b + 4);
        o->flags = get16(b + 8);
    }
}

__after_boot bool
acpi_read_madt(struct acpi_madt *m)
{
    const struct sdt_header *t = find_madt();
    const uint8_t *p, *end;

    *m = (struct acpi_madt){ 0 };
    if (!t)
        return false;
    end = (const uint8_t *)t + t->length;
    // The MADT body: u32 local APIC address, u32 flags, then the entries.
    for (p = (const uint8_t *)(t + 1) + 8; p + 2 <= end; p += ((const struct madt_entry *)p)->length) {
        const struct madt_entry *e = (const void *)p;
        if (e->length < 2 || p + e->length > end)
            break;
        add_entry(m, e);
    }
    return m->num_ioapics > 0;
}
