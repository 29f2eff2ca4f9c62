// The old getdents(2) record (d_type in its last byte, long-aligned), against
// getdents64 on the same folder: the same names, types and offsets; a buffer
// too small for one record, a file, a bad descriptor and a bad pointer.
#include "fs_check.h"
#include <stdbool.h>
#include <stddef.h>

#define DIR "/tmp/pkgload_fs_getdents_old"

struct old_dirent {
    unsigned long d_ino;
    unsigned long d_off;
    unsigned short d_reclen;
    char d_name[];
};

struct entry {
    char name[300];
    int type;
    long off;
    unsigned long ino;
};

static int
by_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

// List DIR with the old call (OLD) or getdents64 into E; the number of entries.
static int
list(bool old, struct entry *e, int max)
{
    char buf[4096];
    int fd = open(".", O_RDONLY | O_DIRECTORY), n = 0;
    long got;

    while ((got = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long at = 0; at < got && n < max; n++) {
            if (old) {
                struct old_dirent *d = (struct old_dirent *)(buf + at);
                size_t want =
                    (offsetof(struct old_dirent, d_name) + strlen(d->d_name) + 2 + 7) & ~7ul;
                snprintf(e[n].name, sizeof(e[n].name), "%s%s", d->d_name,
                         d->d_reclen == want ? "" : " (bad reclen)");
                e[n].type = buf[at + d->d_reclen - 1];
                e[n].off = d->d_off, e[n].ino = d->d_ino;
                at += d->d_reclen;
            } else {
                struct dirent64 *d = (struct dirent64 *)(buf + at);
                snprintf(e[n].name, sizeof(e[n].name), "%s", d->d_name);
                e[n].type = d->d_type, e[n].off = d->d_off, e[n].ino = d->d_ino;
                at += d->d_reclen;
            }
        }
    }
    close(fd);
    qsort(e, n, sizeof(*e), by_name);
    return n;
}

int
main(void)
{
    struct entry a[32], b[32];
    char small[16];
    int na, nb, fd;

    setvbuf(stdout, NULL, _IONBF, 0);
    enter_scratch(DIR);
    write_file("file", "x");
    write_file("a-much-longer-file-name-than-the-others", "y");
    mkdir("sub", 0755);
    symlink("file", "link");
    mkfifo("fifo", 0644);
    na = list(true, a, 32);
    nb = list(false, b, 32);
    printf("entries: old %d, 64 %d\n", na, nb);
    for (int i = 0; i < na && i < nb; i++)
        printf("  %-42s type %d, same as getdents64: %d\n", a[i].name, a[i].type,
               !strcmp(a[i].name, b[i].name) && a[i].type == b[i].type && a[i].off == b[i].off &&
                   a[i].ino == b[i].ino);
    fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK("getdents 16-byte buffer", syscall(SYS_getdents, fd, small, sizeof(small)));
    CHECK("getdents bad pointer", syscall(SYS_getdents, fd, BAD_PTR, 4096));
    close(fd);
    fd = open("file", O_RDONLY);
    CHECK("getdents of a file", syscall(SYS_getdents, fd, small, sizeof(small)));
    close(fd);
    CHECK("getdents bad fd", syscall(SYS_getdents, 99, small, sizeof(small)));
    leave_scratch(DIR);
    return 0;
}
