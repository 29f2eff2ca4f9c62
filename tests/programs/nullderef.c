// A write through a NULL pointer: death by SIGSEGV, after one line on stderr.
#include <stdio.h>

int
main(void)
{
    volatile int *volatile p = NULL;

    fprintf(stderr, "dereferencing NULL\n");
    *p = 1;
    fprintf(stderr, "still alive after the store: wrong\n");
    return 0;
}
