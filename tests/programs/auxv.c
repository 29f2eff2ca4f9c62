// The auxiliary vector a Linux kernel gives: values that are the same on any
// x86-64 Linux are printed, host-specific ones (HWCAP, addresses) only checked;
// AT_BASE, the interpreter's address, is 0 exactly for static programs.
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char _start[];

static const char *
basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
yes_no(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
}

int
main(int argc, char **argv)
{
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);

    (void)argc;
    printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
    printf("AT_CLKTCK = %lu\n", getauxval(AT_CLKTCK));
    printf("AT_PHENT = %lu\n", getauxval(AT_PHENT));
    printf("AT_PLATFORM = %s\n", platform ? platform : "(none)");
    printf("AT_SECURE = %lu\n", getauxval(AT_SECURE));
    printf("AT_FLAGS = %lu\n", getauxval(AT_FLAGS));
    yes_no("AT_BASE set (an interpreter ran)", getauxval(AT_BASE) != 0);
    yes_no("AT_ENTRY is _start", getauxval(AT_ENTRY) == (unsigned long)_start);
    yes_no("AT_PHDR set", getauxval(AT_PHDR) != 0);
    yes_no("AT_PHNUM set", getauxval(AT_PHNUM) > 0);
    yes_no("AT_HWCAP set", getauxval(AT_HWCAP) != 0);
    yes_no("AT_RANDOM set", random != NULL);
    yes_no("AT_RANDOM not all zero",
           random && memcmp(random, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0);
    yes_no("AT_UID matches getuid", getauxval(AT_UID) == getuid());
    yes_no("AT_EUID matches geteuid", getauxval(AT_EUID) == geteuid());
    yes_no("AT_GID matches getgid", getauxval(AT_GID) == getgid());
    yes_no("AT_EGID matches getegid", getauxval(AT_EGID) == getegid());
    yes_no("AT_EXECFN set", execfn != NULL);
    yes_no("AT_EXECFN ends with argv[0]'s name", execfn && ends_with(execfn, basename_of(argv[0])));
    return 0;
}
