// abort(): a line on stderr (flushed), a line on stdout left to stdio
// (glibc keeps it in the buffer and loses it; musl writes a first line to a
// pipe at once), then death by SIGABRT.
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
    printf("a line given to stdio before abort\n");
    fprintf(stderr, "about to abort\n");
    fflush(stderr);
    abort();
}
