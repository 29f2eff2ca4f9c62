// Walks the cpio newc archive in place (no copy): a 110-byte ASCII header
// ("070701" and thirteen 8-digit hex fields), the name, the data, each padded
// to 4 bytes; "TRAILER!!!" ends it.
#include "fs/initramfs.h"
#include "arch/x86_64/pvh.h"
#include "layout.h"
#include "lib/string.h"
#include "log.h"

#define CPIO_HEADER_LEN 110

static const char *archive;
static uint64_t archive_size;

void
initramfs_init(const struct hvm_start_info *si)
{
    const struct hvm_modlist_entry *mods = phys_to_virt(si->modlist_paddr);

    if (si->nr_modules == 0)
        panic("no initramfs: QEMU was started without -initrd");
    archive = phys_to_virt(mods[0].paddr);
    archive_size = mods[0].size;
}

const void *
initramfs_data(uint64_t offset, uint64_t size)
{
    return (offset <= archive_size) & (size <= archive_size - offset) ? archive + offset : NULL;
}

// Field INDEX of the header at H: eight hex digits (either case), no terminator.
// All eight at once in a 64-bit word, no loop: boot parses eight fields of
// every archive entry, and a Python image has about 2,000 entries.
static uint32_t
hex_field(const char *h, int index)
{
    uint64_t x;

    __builtin_memcpy(&x, h + 6 + 8 * index, 8);   // byte 0 (lowest) is the top digit
    // '0'..'9' are 0x3N, 'a'..'f' 0x6N and 'A'..'F' 0x4N (N = 1..6): the low
    // nibble, plus 9 when bit 6 says it is a letter.
    x = (x & 0x0f0f0f0f0f0f0f0full) + ((x >> 6) & 0x0101010101010101ull) * 9;
    x = ((x & 0x000f000f000f000full) << 4) | ((x >> 8) & 0x000f000f000f000full);
    x = ((x & 0x000000ff000000ffull) << 8) | ((x >> 16) & 0x000000ff000000ffull);
    x = ((x & 0x000000000000ffffull) << 16) | ((x >> 32) & 0x000000000000ffffull);
    return (uint32_t)x;
}

// Archives may name "/a", "./a" or "a"; we store "a".
static void
strip_prefix(struct initramfs_entry *e)
{
    for (;;) {
        if (e->name_len >= 1 && e->name[0] == '/') {
            e->name++, e->name_len--;
        } else if (e->name_len >= 2 && e->name[0] == '.' && e->name[1] == '/') {
            e->name += 2, e->name_len -= 2;
        } else {
            return;
        }
    }
}

// Parse the entry at OFF into E; return the offset of the next entry, or 0 at the end.
static uint64_t
parse_entry(uint64_t off, struct initramfs_entry *e)
{
    const char *h = archive + off;
    uint32_t namesize;
    uint64_t data_off;

    if (off + CPIO_HEADER_LEN > archive_size)
        return 0;
    if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
        panic("initramfs: bad cpio header at offset %lu", off);
    namesize = hex_field(h, 11);
    e->ino = hex_field(h, 0);
    e->mode = hex_field(h, 1);
    e->uid = hex_field(h, 2);
    e->gid = hex_field(h, 3);
    e->nlink = hex_field(h, 4);
    e->mtime = hex_field(h, 5);
    e->size = hex_field(h, 6);
    e->name = h + CPIO_HEADER_LEN;
    e->name_len = namesize ? namesize - 1 : 0;
    if (namesize == 0 || off + CPIO_HEADER_LEN + namesize > archive_size || e->name[e->name_len])
        panic("initramfs: bad name at offset %lu", off);
    data_off = ALIGN_UP(off + CPIO_HEADER_LEN + namesize, 4);
    e->data = archive + data_off;
    if (data_off + e->size > archive_size)
        panic("initramfs: entry %s runs past the end of the archive", e->name);
    if (!strcmp(e->name, "TRAILER!!!"))
        return 0;
    strip_prefix(e);
    return ALIGN_UP(data_off + e->size, 4);
}

void
initramfs_each(bool (*fn)(const struct initramfs_entry *e, void *arg), void *arg)
{
    struct initramfs_entry e;
    uint64_t off = 0, next;

    while ((next = parse_entry(off, &e)) != 0) {
        if (!fn(&e, arg))
            return;
        off = next;
    }
}
