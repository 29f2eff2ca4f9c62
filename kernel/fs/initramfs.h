// The initramfs: a cpio "newc" archive QEMU loaded as the PVH module.
#pragma once
#include "types.h"

struct hvm_start_info;

struct initramfs_entry {
    const char *name;        // without a leading "/"; NUL-terminated
    size_t name_len;
    const void *data;        // in the direct map
    uint64_t size;
    uint32_t mode;           // st_mode: type and permission bits
    uint32_t uid, gid;
    uint64_t mtime;
    uint32_t ino, nlink;     // entries of one file share ino when nlink > 1 (hard links)
};

void initramfs_init(const struct hvm_start_info *si);
// The SIZE bytes at OFFSET in the archive, or NULL when they are not all inside it.
const void *initramfs_data(uint64_t offset, uint64_t size);
// Call FN for each entry in archive order; stop when it returns false.
void initramfs_each(bool (*fn)(const struct initramfs_entry *e, void *arg), void *arg);
