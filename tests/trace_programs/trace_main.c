// Linked with a test program built with -Dmain=traced_main: its main makes a
// distinctive call first, so that a trace (pkgload run --trace, strace -f) can
// be compared from the program's own first call, past each C library's start-up.
#include <fcntl.h>
#include <unistd.h>

int traced_main(int argc, char **argv, char **envp);

int
main(int argc, char **argv, char **envp)
{
    faccessat(AT_FDCWD, "/pkgload-trace-start", F_OK, 0);
    return traced_main(argc, argv, envp);
}
