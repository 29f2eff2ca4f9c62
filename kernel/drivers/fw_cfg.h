// QEMU's fw_cfg: named files the host hands the guest (the manifest).
#pragma once
#include "types.h"

// Find FILE; on success set *size and return its selector, else return -1.
int fw_cfg_find(const char *name, uint32_t *size);
// Read SIZE bytes of the item SELECTOR into BUF (kernel memory).
void fw_cfg_read(int selector, void *buf, uint32_t size);
