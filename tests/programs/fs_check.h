// Helpers shared by the fs_* programs: CHECK prints "name: ret" or
// "name: -1 ENAME" so a run's output can be compared with Linux's line by
// line, and each program works in a scratch folder of its own under /tmp.
#pragma once
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// A user pointer no program maps: calls given it must fail with EFAULT.
#define BAD_PTR ((void *)1)

static inline const char *
errno_name(int e)
{
    static char other[16];

    switch (e) {
    case EPERM: return "EPERM";
    case E2BIG: return "E2BIG";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENODATA: return "ENODATA";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    }
    snprintf(other, sizeof(other), "E%d", e);
    return other;
}

// Print what a call returned; errno only when it failed. Returns RET.
static inline long
check(const char *name, long ret)
{
    int e = errno;

    if (ret < 0)
        printf("%s: %ld %s\n", name, ret, errno_name(e));
    else
        printf("%s: %ld\n", name, ret);
    errno = e;
    return ret;
}

#define CHECK(name, expr) check((name), (long)(expr))

// Print a call's success or its errno, for calls whose value differs between
// systems (a byte count of a listing, a pid) and so must not be printed.
static inline long
check_ok(const char *name, long ret)
{
    if (ret < 0)
        printf("%s: -1 %s\n", name, errno_name(errno));
    else
        printf("%s: ok\n", name);
    return ret;
}

// Remove NAME (in DIRFD) and everything under it; missing is fine.
static inline void
remove_at(int dirfd, const char *name)
{
    struct stat st;
    struct dirent *e;
    DIR *d;
    int fd;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(dirfd, name, 0);
        return;
    }
    fchmodat(dirfd, name, 0700, 0);
    if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY)) >= 0 && (d = fdopendir(fd))) {
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                remove_at(fd, e->d_name);
        closedir(d);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static inline void
remove_tree(const char *path)
{
    remove_at(AT_FDCWD, path);
}

// Start in a fresh, empty DIR (made with mode 0755) as the cwd, umask 022.
static inline void
enter_scratch(const char *dir)
{
    umask(022);
    remove_tree(dir);
    if (mkdir(dir, 0755) < 0 || chdir(dir) < 0) {
        perror(dir);
        exit(1);
    }
}

static inline void
leave_scratch(const char *dir)
{
    if (chdir("/") < 0)
        perror("chdir /");
    remove_tree(dir);
}

// Make PATH with CONTENT (mode 0644); exit on failure, the test is then broken.
static inline void
write_file(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
        perror(path);
        exit(1);
    }
    close(fd);
}

// Print PATH's contents (up to 256 bytes) as "name: [bytes]", or its errno.
static inline void
show_file(const char *name, const char *path)
{
    char buf[257];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0) {
        printf("%s: open -1 %s\n", name, errno_name(errno));
        return;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        printf("%s: read -1 %s\n", name, errno_name(errno));
        return;
    }
    buf[n] = 0;
    printf("%s: [%s]\n", name, buf);
}

static inline int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Print the names in directory PATH, sorted (filesystems list in their own order).
static inline void
show_dir(const char *name, const char *path)
{
    char *names[256];
    int n = 0;
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d) {
        printf("%s: opendir -1 %s\n", name, errno_name(errno));
        return;
    }
    while ((e = readdir(d)) && n < 256)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(names[0]), compare_names);
    printf("%s:", name);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}
