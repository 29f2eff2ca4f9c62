// readlink("/proc/self/exe"): an absolute path ending in the program's own
// name, a count without a NUL, and truncation to a short buffer as on Linux.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *
basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int
main(int argc, char **argv)
{
    char buf[4096], small[4];
    const char *name = basename_of(argv[0]);
    ssize_t n;

    (void)argc;
    memset(buf, 'x', sizeof(buf));
    n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    printf("readlink succeeded: %s\n", n > 0 ? "yes" : "no");
    if (n <= 0)
        return 1;
    printf("no NUL written after the count: %s\n", buf[n] == 'x' ? "yes" : "no");
    buf[n] = '\0';
    size_t len = strlen(name);
    int ends = (size_t)n > len && strcmp(buf + n - len, name) == 0 && buf[n - len - 1] == '/';
    printf("absolute: %s\n", buf[0] == '/' ? "yes" : "no");
    printf("ends with /%s: %s\n", name, ends ? "yes" : "no");
    printf("short buffer truncates to 4: %s\n",
           readlink("/proc/self/exe", small, sizeof(small)) == 4 ? "yes" : "no");
    errno = 0;
    n = readlink("/proc/self/no-such-entry", buf, sizeof(buf));
    printf("missing /proc/self entry fails with ENOENT: %s\n",
           n == -1 && errno == ENOENT ? "yes" : "no");
    return 0;
}
