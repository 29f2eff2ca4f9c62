// /init for the Linux baseline of tools/bench: note the guest time at which
// Linux started init, run the program to completion, report, and end QEMU
// through isa-debug-exit (port 0xf4). The program is /hello (the same static
// binary pkgload runs), or, when the kernel command line ends with
// `-- [OPTIONS] PATH ARGV0 ARGS...`, PATH with that argv and pkgload's default
// env. OPTIONS: -m mounts devtmpfs on /dev, proc on /proc and a tmpfs on
// /dev/shm, and makes /tmp, as pkgload's guest has them; -u UID:GID runs the program as that
// user and group (real, effective and saved ids; the group alone as its
// supplementary group); -e KEY=VALUE sets or replaces a variable; -k FILE
// loads a kernel module (in the order given: Debian's virtio drivers are
// modules); -a ADDR/PREFIX brings lo up and eth0 up with that IPv4 address.
#define _GNU_SOURCE  // setresuid, setresgid
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT  0xf4
#define DEBUG_EXIT_VALUE 0x10  // QEMU exits with (0x10 << 1) | 1 = 33, as for pkgload
#define MAX_ENV          16

// loader/image.py DEFAULT_ENV: what pkgload gives a program; -e adds to it
static char *program_env[MAX_ENV + 1] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/",
    NULL,
};

static long long
boottime_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

// Set KEY=VALUE in program_env, replacing the same KEY; 0, or -1 when full.
static int
set_env(char *pair)
{
    size_t key = strcspn(pair, "=") + 1;
    int i;

    for (i = 0; program_env[i]; i++)
        if (strncmp(program_env[i], pair, key) == 0)
            break;
    if (i == MAX_ENV)
        return -1;
    program_env[i] = pair;
    return 0;
}

// Make what pkgload's guest has: /dev (devtmpfs), /proc, /dev/shm, and /tmp
// (mode 1777) when the image has none.
static void
mount_filesystems(void)
{
    if (mkdir("/tmp", 01777) == 0)
        chmod("/tmp", 01777);  // past the umask
    mkdir("/dev", 0755);
    mkdir("/proc", 0555);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0)
        perror("bench-init: mount /dev");
    if (mount("proc", "/proc", "proc", 0, NULL) != 0)
        perror("bench-init: mount /proc");
    mkdir("/dev/shm", 01777);
    if (mount("tmpfs", "/dev/shm", "tmpfs", 0, "mode=1777") != 0)
        perror("bench-init: mount /dev/shm");
}

// Load the kernel module in file path.
static void
load_module(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
        perror(path);
    if (fd >= 0)
        close(fd);
}

// Set interface name's flags up, and its address and netmask when addr is given.
static int
set_interface(int sock, const char *name, const char *addr, int prefix)
{
    struct ifreq ifr = { 0 };
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (addr) {
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &sin->sin_addr);
        if (ioctl(sock, SIOCSIFADDR, &ifr) != 0)
            return -1;
        sin->sin_addr.s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0);
        if (ioctl(sock, SIOCSIFNETMASK, &ifr) != 0)
            return -1;
    }
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
        return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

// Bring lo up, and eth0 up as spec (ADDR/PREFIX), waiting up to 5 s for eth0.
static void
set_network(char *spec)
{
    char *slash = strchr(spec, '/');
    int prefix = slash ? atoi(slash + 1) : 24;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int tries = 0;

    if (slash)
        *slash = 0;
    if (set_interface(sock, "lo", NULL, 0) != 0)
        perror("bench-init: lo");
    while (set_interface(sock, "eth0", spec, prefix) != 0 && ++tries < 50)
        usleep(100000);
    if (tries == 50)
        perror("bench-init: eth0");
    close(sock);
}

// Become uid:gid in the child before exec; exit 126 on failure.
static void
become(uid_t uid, gid_t gid)
{
    if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
        perror("bench-init: setting ids");
        _exit(126);
    }
}

// Run path with argv to its end (as uid:gid unless uid is -1); return its wait status, or -1.
static int
run_program(const char *path, char *const argv[], long uid, long gid)
{
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (uid >= 0)
            become(uid, gid);
        execve(path, argv, program_env);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

// Take the -m, -u, -e, -k and -a options in order; return the index of PATH in argv.
static int
parse_options(int argc, char *argv[], long *uid, long *gid)
{
    int i = 1;

    for (; i + 1 < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-m") == 0)
            mount_filesystems();
        else if (strcmp(argv[i], "-u") == 0)
            sscanf(argv[++i], "%ld:%ld", uid, gid);
        else if (strcmp(argv[i], "-e") == 0 && set_env(argv[++i]) != 0)
            fprintf(stderr, "bench-init: too many variables\n");
        else if (strcmp(argv[i], "-k") == 0)
            load_module(argv[++i]);
        else if (strcmp(argv[i], "-a") == 0)
            set_network(argv[++i]);
    }
    return i;
}

// QEMU's microvm appends `virtio_mmio.device=...` for each virtio device to the
// kernel command line, after our `--`, so Linux hands them to init: drop them.
static int
drop_qemu_args(int argc, char *argv[])
{
    while (argc > 1 && strncmp(argv[argc - 1], "virtio_mmio.device=", 19) == 0)
        argv[--argc] = NULL;
    return argc;
}

int
main(int argc, char *argv[])
{
    static char *const hello_argv[] = { "hello", NULL };
    long long at_init = boottime_us();
    long uid = -1, gid = -1;
    int first;

    argc = drop_qemu_args(argc, argv);
    first = parse_options(argc, argv, &uid, &gid);
    int status = argc - first >= 2 ? run_program(argv[first], argv + first + 1, uid, gid)
                                   : run_program("/hello", hello_argv, -1, -1);
    long long at_done = boottime_us();

    printf("bench-init: init-at %lld us, program-done-at %lld us, program-status %d\n", at_init,
           at_done, status);
    fflush(stdout);
    tcdrain(STDOUT_FILENO);  // the UART sends the last lines before QEMU ends
    if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
        outl(DEBUG_EXIT_VALUE, DEBUG_EXIT_PORT);
    reboot(RB_AUTOBOOT);  // with -no-reboot, QEMU exits
    return 1;
}
