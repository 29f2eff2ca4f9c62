// The bundled example: a static "hello" that `pkgload run` boots on our kernel.
// Built by tools/setup with `gcc -static -O2` to build/examples/hello.
#include <stdio.h>

int
main(int argc, char **argv)
{
    printf("Hello from pkgload: %s ran unmodified on its own kernel.\n", argv[0]);
    for (int i = 1; i < argc; i++)
        printf("  argv[%d] = %s\n", i, argv[i]);
    return 0;
}
