// The stdio benchmark of tools/bench_stdio: move bytes through fd 1 ("out
// MIB": MIB mebibytes written 128 KiB at a time, as cat writes) or fd 0 ("in":
// read 128 KiB at a time to end of file), timed with CLOCK_MONOTONIC around
// the loop only, reported on fd 2. Under pkgload fds 0 and 1 are the
// console's ports; as /init of the Linux baseline (pid 1) it first loads
// Debian's virtio modules, opens the same ports (/dev/vport0p1, p2), runs
// both directions, and ends QEMU through isa-debug-exit.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK            (128 * 1024)
#define DEBUG_EXIT_PORT  0xf4
#define DEBUG_EXIT_VALUE 0x10

static char buf[CHUNK];

static long long
now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void
report(const char *mode, long long bytes, long long us)
{
    dprintf(2, "bench-stdio: %s %lld bytes in %lld us\n", mode, bytes, us);
}

static int
bench_out(int fd, long mib)
{
    long long start, total = 0;

    for (int i = 0; i < CHUNK; i++)
        buf[i] = (char)(i * 7 + 1);
    start = now_us();
    for (long i = 0; i < mib * (1024 * 1024 / CHUNK); i++) {
        for (size_t done = 0; done < CHUNK;) {
            ssize_t n = write(fd, buf + done, CHUNK - done);
            if (n <= 0)
                return 1;
            done += n;
        }
        total += CHUNK;
    }
    report("out", total, now_us() - start);
    return 0;
}

static int
bench_in(int fd)
{
    long long start = now_us(), total = 0;
    ssize_t n;

    while ((n = read(fd, buf, CHUNK)) > 0)
        total += n;
    report("in", total, now_us() - start);
    return n < 0;
}

// Linux: the modules in the order modules.dep gives, then the ports.
static void
linux_setup(void)
{
    static const char *const modules[] = { "/virtio_ring.ko", "/virtio.ko", "/virtio_mmio.ko",
                                           "/virtio_console.ko" };

    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        int fd = open(modules[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
            dprintf(2, "bench-stdio: %s: %s\n", modules[i], strerror(errno));
        close(fd);
    }
    for (int i = 0;
         i < 500 && (access("/dev/vport0p1", F_OK) != 0 || access("/dev/vport0p2", F_OK) != 0); i++)
        usleep(10000);
}

static void
linux_end(void)
{
    if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
        outl(DEBUG_EXIT_VALUE, DEBUG_EXIT_PORT);
    reboot(RB_AUTOBOOT);
}

int
main(int argc, char **argv)
{
    if (getpid() == 1) {
        long mib = argc > 1 ? atol(argv[1]) : 100;
        int out, in;
        linux_setup();
        // Linux makes a port's node before it lists the port: ENXIO until then.
        for (int i = 0; i < 500 && (out = open("/dev/vport0p2", O_WRONLY)) < 0 && errno == ENXIO;
             i++)
            usleep(10000);
        for (int i = 0; i < 500 && (in = open("/dev/vport0p1", O_RDONLY)) < 0 && errno == ENXIO;
             i++)
            usleep(10000);
        if (out < 0 || in < 0)
            dprintf(2, "bench-stdio: the ports did not open: %s\n", strerror(errno));
        else if (bench_out(out, mib) == 0)
            bench_in(in);
        linux_end();
        return 1;
    }
    if (argc > 2 && strcmp(argv[1], "out") == 0)
        return bench_out(1, atol(argv[2]));
    if (argc > 1 && strcmp(argv[1], "in") == 0)
        return bench_in(0);
    dprintf(2, "usage: bench_stdio out MIB | in\n");
    return 2;
}
