// capget and capset: root's sets (effective and permitted hold the common
// capabilities, inheritable is empty, nothing past CAP_LAST_CAP), a user's
// (none), seteuid's split (permitted kept, effective gone), the version
// probe, other processes' sets, and capset's refusals. The exact sets are
// not printed: a container's bounding set may lack some capabilities.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// <linux/capability.h>'s names (musl has no Linux headers).
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_2 0x20071026
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_CHOWN                   0
#define CAP_SETUID                  7
#define CAP_NET_BIND_SERVICE        10
#define CAP_IPC_LOCK                14
#define CAP_SYS_ADMIN               21
#define CAP_LAST_CAP                40
struct __user_cap_header_struct {
    unsigned int version;
    int pid;
};
struct __user_cap_data_struct {
    unsigned int effective, permitted, inheritable;
};

static struct __user_cap_header_struct hdr;
static struct __user_cap_data_struct data[2];

static void
show(const char *what, long ret)
{
    if (ret < 0)
        printf("%-36s -1 %s\n", what,
               errno == EPERM    ? "EPERM"
               : errno == EINVAL ? "EINVAL"
               : errno == EFAULT ? "EFAULT"
               : errno == ESRCH  ? "ESRCH"
                                 : "other");
    else
        printf("%-36s %ld\n", what, ret);
}

static long
capget_v(unsigned int version, int pid)
{
    hdr.version = version, hdr.pid = pid;
    memset(data, 0xff, sizeof(data));
    return syscall(SYS_capget, &hdr, data);
}

// What a set says, without the bits a host's bounding set may lack.
static void
describe(const char *who)
{
    unsigned long long want = 1ull << CAP_CHOWN | 1ull << CAP_SETUID | 1ull << CAP_SYS_ADMIN |
                              1ull << CAP_IPC_LOCK | 1ull << CAP_NET_BIND_SERVICE;
    unsigned long long e = data[0].effective | (unsigned long long)data[1].effective << 32;
    unsigned long long p = data[0].permitted | (unsigned long long)data[1].permitted << 32;
    unsigned long long i = data[0].inheritable | (unsigned long long)data[1].inheritable << 32;

    printf("  %s: effective %s, permitted %s, effective==permitted %d, inheritable %llx, "
           "past the last %llx\n",
           who,
           (e & want) == want ? "common"
           : e                ? "some"
                              : "none",
           (p & want) == want ? "common"
           : p                ? "some"
                              : "none",
           e == p, i, (e | p) >> (CAP_LAST_CAP + 1));
}

static void
test_get(void)
{
    show("capget v3", capget_v(_LINUX_CAPABILITY_VERSION_3, 0));
    describe("root");
    show("capget v2", capget_v(_LINUX_CAPABILITY_VERSION_2, 0));
    show("capget v1", capget_v(_LINUX_CAPABILITY_VERSION_1, 0));
    printf("  v1 leaves the second word: %d\n", data[1].effective == 0xffffffffu);
    show("capget bad version", capget_v(0x12345678, 0));
    printf("  version written back %#x\n", hdr.version);
    hdr.version = 0x12345678;
    show("capget probe (NULL data)", syscall(SYS_capget, &hdr, NULL));
    printf("  version written back %#x\n", hdr.version);
    show("capget own pid", capget_v(_LINUX_CAPABILITY_VERSION_3, getpid()));
    show("capget pid -1", capget_v(_LINUX_CAPABILITY_VERSION_3, -1));
    show("capget no such pid", capget_v(_LINUX_CAPABILITY_VERSION_3, 4000000));
    show("capget bad header", syscall(SYS_capget, (void *)1, data));
    hdr.version = _LINUX_CAPABILITY_VERSION_3, hdr.pid = 0;
    show("capget bad data", syscall(SYS_capget, &hdr, (void *)1));
}

static void
test_set(void)
{
    capget_v(_LINUX_CAPABILITY_VERSION_3, 0);
    show("capset the same sets", syscall(SYS_capset, &hdr, data));
    hdr.pid = getppid();
    show("capset another pid", syscall(SYS_capset, &hdr, data));
    hdr.pid = 0;
    data[0].effective = 0, data[1].effective = 0;
    data[0].inheritable = 0, data[1].inheritable = 0;
    data[0].permitted = 0, data[1].permitted = 0;
    data[0].effective = 1;
    show("capset effective not permitted", syscall(SYS_capset, &hdr, data));
    hdr.version = 1;
    show("capset bad version", syscall(SYS_capset, &hdr, data));
}

static void
as_user(void)
{
    show("seteuid 1000", seteuid(1000));
    capget_v(_LINUX_CAPABILITY_VERSION_3, 0);
    describe("euid 1000");
    show("setresuid 1000", setresuid(1000, 1000, 1000));
    capget_v(_LINUX_CAPABILITY_VERSION_3, 0);
    describe("user");
    show("user capset nothing", syscall(SYS_capset, &hdr, data));
    data[0].permitted = 1 << CAP_CHOWN;
    show("user capset raise", syscall(SYS_capset, &hdr, data));
    data[0].permitted = 0, data[0].inheritable = 1 << CAP_CHOWN;
    show("user capset inheritable", syscall(SYS_capset, &hdr, data));
    show("user capget parent's pid", capget_v(_LINUX_CAPABILITY_VERSION_3, getppid()));
    describe("root parent, seen by the user");
}

int
main(void)
{
    int status;

    setvbuf(stdout, NULL, _IONBF, 0);
    test_get();
    test_set();
    if (fork() == 0) {
        as_user();
        _exit(0);
    }
    wait(&status);
    return 0;
}
