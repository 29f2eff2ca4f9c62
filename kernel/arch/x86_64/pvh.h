// The structures QEMU hands a PVH kernel in %ebx (Xen's public
// arch-x86/hvm/start_info.h describes the layout; version 1 adds the memory map).
#pragma once
#include "types.h"

#define HVM_START_MAGIC 0x336ec578
#define HVM_MEMMAP_RAM  1

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;      // version >= 1
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

extern uint64_t boot_start_info;   // physical address, saved by boot.S
