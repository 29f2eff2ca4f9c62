// A directory of many entries: lookups by name, a full listing, a listing
// that deletes as it goes (as `rm -r` does), and seekdir back to a position
// telldir gave. Listing order differs between filesystems, so what is
// printed never depends on it.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_PATH "/tmp/pkgload-fs_bigdir"
#define NFILES   600

struct linux_dirent64 {   // the kernel's record; libcs disagree on naming theirs
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static void
die(const char *what)
{
    printf("%s: %s\n", what, strerror(errno));
    exit(1);
}

static void
make_files(void)
{
    char name[64];

    for (int i = 0; i < NFILES; i++) {
        snprintf(name, sizeof(name), DIR_PATH "/file-%04d", i);
        int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0)
            die("create");
        if (write(fd, name, i % 7) != i % 7)
            die("write");
        close(fd);
    }
}

// Every name looked up by stat; sizes summed so a wrong node would show.
static void
check_lookups(void)
{
    char name[64];
    long total = 0, missing = 0;
    struct stat st;

    for (int i = 0; i < NFILES; i++) {
        snprintf(name, sizeof(name), DIR_PATH "/file-%04d", i);
        if (stat(name, &st) < 0)
            missing++;
        else
            total += st.st_size;
    }
    printf("lookups: %ld missing, sizes %ld\n", missing, total);
    int ret = stat(DIR_PATH "/file-9999", &st);
    printf("absent name: %d %s\n", ret, strerror(errno));
}

// Each name seen once, none skipped: a bitmap of the numbers seen.
static void
list_all(const char *label)
{
    static unsigned char seen[NFILES];
    DIR *d = opendir(DIR_PATH);
    struct dirent *e;
    int count = 0, dups = 0, dots = 0;

    if (!d)
        die("opendir");
    memset(seen, 0, sizeof(seen));
    while ((e = readdir(d))) {
        int n;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            dots++;
            continue;
        }
        if (sscanf(e->d_name, "file-%d", &n) == 1 && n >= 0 && n < NFILES) {
            dups += seen[n];
            seen[n] = 1;
        }
        count++;
    }
    closedir(d);
    printf("%s: %d entries, %d repeated, %d dot entries\n", label, count, dups, dots);
}

// Remove every third file, then list again.
static void
remove_some(void)
{
    char name[64];

    for (int i = 0; i < NFILES; i += 3) {
        snprintf(name, sizeof(name), DIR_PATH "/file-%04d", i);
        if (unlink(name) < 0)
            die("unlink");
    }
}

// telldir after the tenth entry, read five, seekdir back: the same five again.
static void
seek_back(void)
{
    DIR *d = opendir(DIR_PATH);
    char first[5][256], again[5][256];
    long where;
    int same = 1;

    if (!d)
        die("opendir");
    for (int i = 0; i < 10; i++)
        readdir(d);
    where = telldir(d);
    for (int i = 0; i < 5; i++)
        snprintf(first[i], sizeof(first[i]), "%s", readdir(d)->d_name);
    seekdir(d, where);
    for (int i = 0; i < 5; i++)
        snprintf(again[i], sizeof(again[i]), "%s", readdir(d)->d_name);
    for (int i = 0; i < 5; i++)
        same &= !strcmp(first[i], again[i]);
    closedir(d);
    printf("seekdir back: %s\n", same ? "same entries" : "different entries");
}

// Delete each entry as readdir returns it, as `rm -r` does, with small
// getdents batches; then the folder must be empty.
static void
delete_while_listing(void)
{
    char buf[512], path[300];
    int fd = open(DIR_PATH, O_RDONLY | O_DIRECTORY), removed = 0;
    long n;

    if (fd < 0)
        die("open dir");
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < n;) {
            struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
            off += e->d_reclen;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), DIR_PATH "/%s", e->d_name);
            if (unlink(path) < 0)
                die("unlink while listing");
            removed++;
        }
    }
    if (n < 0)
        die("getdents64");
    close(fd);
    printf("removed while listing: %d\n", removed);
    int ret = rmdir(DIR_PATH);
    printf("rmdir: %d %s\n", ret, ret < 0 ? strerror(errno) : "ok");
}

// What an earlier, interrupted run left.
static void
clean(void)
{
    DIR *d = opendir(DIR_PATH);
    struct dirent *e;
    char path[300];

    while (d && (e = readdir(d))) {
        snprintf(path, sizeof(path), DIR_PATH "/%s", e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(DIR_PATH);
}

int
main(void)
{
    clean();
    if (mkdir(DIR_PATH, 0755) < 0)
        die("mkdir");
    make_files();
    check_lookups();
    list_all("full listing");
    remove_some();
    check_lookups();
    list_all("after removing every third");
    seek_back();
    delete_while_listing();
    return 0;
}
