// Echo argc, argv[1..] and the environment the program was given.
// argv[0] is reduced to its basename: the guest path of the program is the
// loader's business, its name is not. The environment is printed sorted:
// its content is the contract, its order is not.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *
basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
print_var(const char *name)
{
    const char *value = getenv(name);
    printf("getenv(%s) = %s%s%s\n", name, value ? "\"" : "", value ? value : "(null)",
           value ? "\"" : "");
}

int
main(int argc, char **argv)
{
    int n = 0;

    printf("argc = %d\n", argc);
    printf("argv[0] basename = \"%s\"\n", basename_of(argv[0]));
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");

    for (char **e = environ; *e; e++)
        n++;
    char **sorted = calloc(n + 1, sizeof(*sorted));
    if (!sorted)
        return 99;
    memcpy(sorted, environ, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), compare_strings);
    printf("environ count = %d\n", n);
    for (int i = 0; i < n; i++)
        printf("environ (sorted) = \"%s\"\n", sorted[i]);
    free(sorted);

    print_var("PATH");
    print_var("HOME");
    print_var("PKGLOAD_TEST_A");
    print_var("PKGLOAD_TEST_EMPTY");
    print_var("PKGLOAD_TEST_EQ");
    print_var("PKGLOAD_TEST_UNSET");
    return 0;
}
