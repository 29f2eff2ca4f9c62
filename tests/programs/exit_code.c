// Exit with the status in argv[1], by the route in argv[2]:
// "return" from main, "exit" (runs atexit and flushes stdio) or "_exit".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
at_exit_hook(void)
{
    printf("atexit hook ran\n");
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: exit_code STATUS return|exit|_exit\n");
        return 2;
    }
    int status = atoi(argv[1]);
    atexit(at_exit_hook);
    printf("exiting with %d via %s\n", status, argv[2]);
    if (strcmp(argv[2], "return") == 0)
        return status;
    if (strcmp(argv[2], "exit") == 0)
        exit(status);
    fflush(stdout);  // _exit does not flush stdio
    _exit(status);
}
