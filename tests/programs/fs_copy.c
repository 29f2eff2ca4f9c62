// Moving bytes between descriptors and anonymous files: sendfile,
// copy_file_range, memfd_create; and the whole-system calls statfs,
// fstatfs, sysinfo and getrusage (only that they work and sane values).
#include "fs_check.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>

#define DIR "/tmp/pkgload-fs_copy"

#ifndef SYS_copy_file_range
#define SYS_copy_file_range 326
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1u
#endif
#ifndef SYS_memfd_create
#define SYS_memfd_create 319
#endif

static long
copy_range(int in, loff_t *off_in, int out, loff_t *off_out, size_t len, unsigned flags)
{
    return syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags);
}

static void
sendfile_calls(void)
{
    int in, out, p[2];
    off_t off = 6;
    char buf[32] = { 0 };

    write_file("src", "hello sendfile world");
    in = open("src", O_RDONLY);
    out = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK("sendfile 5", sendfile(out, in, NULL, 5));
    CHECK("in offset moved", lseek(in, 0, SEEK_CUR));
    CHECK("sendfile with offset 6, 8 bytes", sendfile(out, in, &off, 8));
    printf("offset now %lld, file offset %lld\n", (long long)off,
           (long long)lseek(in, 0, SEEK_CUR));
    CHECK("sendfile past end", sendfile(out, in, &(off_t){ 100 }, 8));
    CHECK("sendfile negative offset", sendfile(out, in, &(off_t){ -1 }, 8));
    CHECK("sendfile bad offset pointer", syscall(SYS_sendfile, out, in, BAD_PTR, 8));
    CHECK("sendfile from O_WRONLY", sendfile(in, out, NULL, 8));
    CHECK("sendfile bad fd", sendfile(out, 99, NULL, 8));
    close(out);
    show_file("dst", "dst");
    pipe(p);
    CHECK("sendfile file to pipe", sendfile(p[1], in, &(off_t){ 0 }, 11));
    CHECK("read the pipe", read(p[0], buf, sizeof(buf)));
    printf("pipe got: [%s]\n", buf);
    write(p[1], "piped", 5);
    out = open("dst2", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK("sendfile pipe to file", sendfile(out, p[0], NULL, 5));
    close(out);
    show_file("dst2", "dst2");
    close(p[0]);
    close(p[1]);
    close(in);
}

static void
copy_file_range_calls(void)
{
    int in = open("src", O_RDONLY), out = open("cfr", O_RDWR | O_CREAT | O_TRUNC, 0644), d;
    loff_t oin = 6, oout = 2;

    CHECK("copy_file_range 5", copy_range(in, NULL, out, NULL, 5, 0));
    CHECK("offsets moved", lseek(in, 0, SEEK_CUR) * 100 + lseek(out, 0, SEEK_CUR));
    CHECK("copy_file_range with offsets", copy_range(in, &oin, out, &oout, 8, 0));
    printf("offsets now %lld %lld, file offsets %lld %lld\n", (long long)oin, (long long)oout,
           (long long)lseek(in, 0, SEEK_CUR), (long long)lseek(out, 0, SEEK_CUR));
    CHECK("copy_file_range past end", copy_range(in, &(loff_t){ 100 }, out, NULL, 5, 0));
    CHECK("copy_file_range flags", copy_range(in, NULL, out, NULL, 5, 1));
    CHECK("copy_file_range bad fd", copy_range(99, NULL, out, NULL, 5, 0));
    CHECK("copy_file_range to O_RDONLY", copy_range(in, NULL, in, NULL, 5, 0));
    d = open(".", O_RDONLY);
    CHECK("copy_file_range from a dir", copy_range(d, NULL, out, NULL, 5, 0));
    close(d);
    CHECK("copy_file_range negative offset", copy_range(in, &(loff_t){ -1 }, out, NULL, 5, 0));
    CHECK("copy_file_range overlapping same file",
          copy_range(out, &(loff_t){ 0 }, out, &(loff_t){ 2 }, 4, 0));
    CHECK("copy_file_range same file apart",
          copy_range(out, &(loff_t){ 0 }, out, &(loff_t){ 20 }, 4, 0));
    close(out);
    show_file("cfr", "cfr");
    close(in);
}

static void
memfd_calls(void)
{
    struct stat st;
    char buf[16] = { 0 }, name[300];
    int fd, fd2;
    char *map;

    fd = CHECK("memfd_create", memfd_create("test", 0));
    CHECK("write", write(fd, "memfd!", 6));
    CHECK("pread", pread(fd, buf, sizeof(buf), 0));
    printf("read: [%s]\n", buf);
    fstat(fd, &st);
    printf("fstat: reg=%d mode=%04o size=%lld nlink=%lu\n", S_ISREG(st.st_mode), st.st_mode & 07777,
           (long long)st.st_size, (unsigned long)st.st_nlink);
    printf("cloexec=%d flags acc=%d\n", fcntl(fd, F_GETFD), fcntl(fd, F_GETFL) & O_ACCMODE);
    CHECK("ftruncate 8192", ftruncate(fd, 8192));
    map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap: %s\n", map == MAP_FAILED ? errno_name(errno) : "ok");
    if (map != MAP_FAILED) {
        strcpy(map + 4096, "through the map");
        munmap(map, 8192);
    }
    CHECK("pread page 2", pread(fd, buf, 15, 4096));
    printf("read: [%.15s]\n", buf);
    fd2 = CHECK("memfd_create MFD_CLOEXEC", syscall(SYS_memfd_create, "second", MFD_CLOEXEC));
    printf("cloexec=%d\n", fcntl(fd2, F_GETFD));
    CHECK("memfd_create bad flag", syscall(SYS_memfd_create, "x", 0x100));
    CHECK("memfd_create bad name", syscall(SYS_memfd_create, BAD_PTR, 0));
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = 0;
    CHECK("memfd_create 299-byte name", syscall(SYS_memfd_create, name, 0));
    close(fd2);
    close(fd);
}

static void
system_calls(void)
{
    struct statfs sf;
    struct sysinfo si;
    struct rusage ru;
    int fd = open(".", O_RDONLY);

    CHECK("statfs .", statfs(".", &sf));
    printf("statfs: bsize>0=%d namelen=%ld\n", sf.f_bsize > 0, (long)sf.f_namelen);
    CHECK("statfs missing", statfs("missing", &sf));
    CHECK("statfs bad path", syscall(SYS_statfs, BAD_PTR, &sf));
    CHECK("statfs bad buffer", syscall(SYS_statfs, ".", BAD_PTR));
    CHECK("fstatfs", fstatfs(fd, &sf));
    CHECK("fstatfs bad fd", fstatfs(99, &sf));
    CHECK("fstatfs bad buffer", syscall(SYS_fstatfs, fd, BAD_PTR));
    close(fd);
    CHECK("sysinfo", sysinfo(&si));
    printf("sysinfo: totalram>0=%d freeram<=totalram=%d procs>0=%d mem_unit=%u\n", si.totalram > 0,
           si.freeram <= si.totalram, si.procs > 0, si.mem_unit);
    CHECK("sysinfo bad pointer", syscall(SYS_sysinfo, BAD_PTR));
    CHECK("getrusage SELF", getrusage(RUSAGE_SELF, &ru));
    printf("getrusage: maxrss>0=%d utime sane=%d\n", ru.ru_maxrss > 0,
           ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec < 1000000);
    CHECK("getrusage CHILDREN", getrusage(RUSAGE_CHILDREN, &ru));
    printf("children: utime=%ld.%06ld\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
    CHECK("getrusage THREAD", getrusage(RUSAGE_THREAD, &ru));
    CHECK("getrusage bad who", syscall(SYS_getrusage, 42, &ru));
    CHECK("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, BAD_PTR));
}

int
main(void)
{
    enter_scratch(DIR);
    sendfile_calls();
    copy_file_range_calls();
    memfd_calls();
    system_calls();
    leave_scratch(DIR);
    return 0;
}
