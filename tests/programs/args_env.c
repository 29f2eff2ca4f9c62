// Echo argc, argv and the environment the program was given. argv[0] is
// the program as the user typed it (docs/host.md), so it is printed whole.
// The environment is printed in order (PATH, HOME, then each -e), then
// getenv of the variables the tests set.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

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
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");

    for (char **e = environ; *e; e++)
        printf("environ[%d] = \"%s\"\n", n++, *e);
    printf("environ count = %d\n", n);

    print_var("PATH");
    print_var("HOME");
    print_var("PKGLOAD_TEST_A");
    print_var("PKGLOAD_TEST_EMPTY");
    print_var("PKGLOAD_TEST_EQ");
    print_var("PKGLOAD_TEST_UNSET");
    return 0;
}
