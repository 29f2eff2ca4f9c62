// ACPI's MADT (the processors' local APICs, the I/O APICs and the ISA IRQ
// overrides) and the resources of devices the DSDT lists (drivers/acpi.c).
#pragma once
#include "types.h"

#define ACPI_MAX_IOAPICS   4
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_CPUS      64

// MPS INTI flags of an override: polarity in bits 1:0, trigger mode in 3:2.
#define ACPI_POLARITY_MASK 0x3
#define ACPI_POLARITY_LOW  0x3
#define ACPI_TRIGGER_MASK  0xc
#define ACPI_TRIGGER_LEVEL 0xc

struct acpi_ioapic {
    uint32_t address;       // physical
    uint32_t gsi_base;      // its first input's global system interrupt
};

struct acpi_override {      // ISA IRQ irq arrives on GSI gsi, not on GSI irq
    uint8_t irq;
    uint32_t gsi;
    uint16_t flags;
};

struct acpi_madt {
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    int num_ioapics, num_overrides;
    uint8_t lapic_ids[ACPI_MAX_CPUS]; // enabled processors' local APIC ids, in the table's order
    int num_cpus;
};

bool acpi_read_madt(struct acpi_madt *m); // false: no MADT, or one with no I/O APIC

// What a device's _CRS gives it: one fixed 32-bit memory range and one interrupt.
struct acpi_dev_res {
    uint64_t mem_base;
    uint32_t mem_len;
    uint32_t irq; // GSI
    bool irq_level; // else edge-triggered
    bool irq_active_low;
};

// The devices of the DSDT whose _HID is the string HID ("LNRO0005": virtio-mmio),
// up to MAX of them in OUT; returns how many were found.
int acpi_find_devices(const char *hid, struct acpi_dev_res *out, int max);
