// /proc/PID/coredump_filter as Linux keeps it: 8 hex digits and a newline
// (0x33 by default), written as an unsigned number in decimal, octal (0...)
// or hex (0x...) with an optional '+' and one trailing newline; nine bits
// kept, the rest dropped; EINVAL for anything else, ERANGE past 32 bits.
// fork inherits it, execve keeps it, and a parent reads its child's.
// (A write of 0 bytes is left out: Linux hands it to the file, EINVAL;
// this kernel returns 0 for any file first.)
#include "proc_check.h"

static void
show(const char *what, const char *path)
{
    char buf[64] = "";
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (n < 0)
        say("%s: %s\n", what, errno_name(errno));
    else
        say("%s: %.*s\\n%s\n", what, (int)(n && buf[n - 1] == '\n' ? n - 1 : n), buf,
            n && buf[n - 1] == '\n' ? "" : " (no newline)");
    if (fd >= 0)
        close(fd);
}

// Write TEXT (LEN bytes) in one write to a fresh descriptor; print the result and the value.
static void
store(const char *text, size_t len)
{
    int fd = open("/proc/self/coredump_filter", O_WRONLY);
    ssize_t n = fd < 0 ? -1 : write(fd, text, len);
    char what[64];

    snprintf(what, sizeof(what), "write \"%.*s\"", (int)strcspn(text, "\n"), text);
    if (n < 0)
        say("%s%s: %s\n", what, strchr(text, '\n') ? "\\n" : "", errno_name(errno));
    else
        say("%s%s: %zd\n", what, strchr(text, '\n') ? "\\n" : "", n);
    if (fd >= 0)
        close(fd);
    show("  now", "/proc/self/coredump_filter");
}

#define STORE(s) store((s), sizeof(s) - 1)

int
main(int argc, char **argv)
{
    struct stat st;
    char path[64];

    if (argc > 1) {
        show("after execve", "/proc/self/coredump_filter");
        return 0;
    }
    show("default", "/proc/self/coredump_filter");
    if (stat("/proc/self/coredump_filter", &st) == 0)
        say("mode: %o\n", (unsigned)(st.st_mode & 07777));
    STORE("0x3f\n");
    STORE("17");
    STORE("077");
    STORE("+0X1ff");
    STORE("0xffffffff");
    STORE("0x100000000");
    STORE("-1");
    STORE(" 5");
    STORE("5\n\n");
    STORE("12abc");
    STORE("0x");
    STORE("08");
    STORE("0");
    STORE("0x21\n");

    pid_t child = xfork();
    if (child == 0) {
        show("the child inherits", "/proc/self/coredump_filter");
        STORE("0x7");
        _exit(0);
    }
    reap("child", child);
    show("the parent's after the child's write", "/proc/self/coredump_filter");

    int fds[2];
    xpipe(fds);
    child = xfork();
    if (child == 0) {
        char c;
        close(fds[1]);
        read_full(fds[0], &c, 1);
        _exit(0);
    }
    close(fds[0]);
    snprintf(path, sizeof(path), "/proc/%d/coredump_filter", (int)child);
    show("a child's, read by its parent", path);
    int fd = open(path, O_WRONLY);
    show_ret("the parent writes it", fd < 0 ? -1 : write(fd, "0x10", 4));
    if (fd >= 0)
        close(fd);
    show("  the child's now", path);
    must("write", write(fds[1], "x", 1) == 1);
    reap("child", child);

    fflush(stdout);
    execl(self_path(argv[0]), argv[0], "exec", (char *)NULL);
    say("execl: %s\n", errno_name(errno));
    return 1;
}
