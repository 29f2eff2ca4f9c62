// sethostname and setdomainname (uname and /proc/sys/kernel/hostname
// report them; EPERM for a user, EINVAL for a bad length, EFAULT for a bad
// pointer) and personality (recorded, asked with 0xffffffff, kept by fork
// and exec, which clears READ_IMPLIES_EXEC alone). Natively the test works in a UTS namespace of its own so as
// not to rename the host; under pkgload the VM is its own machine (unshare
// fails there, and nothing depends on it).
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-32s -1 %s\n", what,
               errno == EPERM    ? "EPERM"
               : errno == EINVAL ? "EINVAL"
               : errno == EFAULT ? "EFAULT"
                                 : "other");
    else
        printf("%-32s %ld\n", what, ret);
}

static void
show_names(void)
{
    struct utsname u;
    char line[128] = "";
    FILE *f = fopen("/proc/sys/kernel/hostname", "r");

    if (f && !fgets(line, sizeof(line), f))
        line[0] = 0;
    if (f)
        fclose(f);
    uname(&u);
    printf("  nodename \"%s\" domainname \"%s\" proc %s", u.nodename, u.domainname, line);
}

static void
test_names(void)
{
    char big[70];
    int status;

    memset(big, 'x', sizeof(big));
    show("sethostname", sethostname("pkgload-test", 12));
    show("setdomainname", setdomainname("example.org", 11));
    show_names();
    show("sethostname 3 of 5 bytes", sethostname("abcde", 3));
    show("sethostname len 64", sethostname(big, 64));
    show("sethostname len 65", sethostname(big, 65));
    show("sethostname len -1", syscall(SYS_sethostname, big, -1));
    show("sethostname bad pointer", syscall(SYS_sethostname, 1L, 4));
    show("setdomainname len 0", setdomainname("", 0));
    show("sethostname again", sethostname("pkgload-test", 12));
    show_names();
    if (fork() == 0) {
        if (setuid(1000) < 0)
            _exit(1);
        show("user sethostname", sethostname("nope", 4));
        show("user setdomainname", setdomainname("nope", 4));
        show("user sethostname len 99", syscall(SYS_sethostname, "nope", 99));
        _exit(0);
    }
    wait(&status);
    show_names();
}

static void
test_personality(const char *self)
{
    int status;

    show("personality query", personality(0xffffffff));
    show("set ADDR_NO_RANDOMIZE", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
    show("set PER_BSD", personality(PER_BSD));
    show("query", personality(0xffffffff));
    show("set READ_IMPLIES_EXEC", personality(READ_IMPLIES_EXEC));
    if (fork() == 0) {
        show("child query", personality(0xffffffff));
        show("child sets more",
             personality(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_LIMIT_3GB));
        execl(self, self, "exec", (char *)NULL);
        _exit(1);
    }
    wait(&status);
    show("back to PER_LINUX", personality(PER_LINUX));
    show("query", personality(0xffffffff));
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1) {
        show("after exec query", personality(0xffffffff));
        return 0;
    }
    if (unshare(CLONE_NEWUTS) < 0 && errno != ENOSYS) {
        perror("unshare");
        return 1;
    }
    test_names();
    test_personality(argv[0]);
    return 0;
}
