// rename, renameat and renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE):
// what each name holds afterwards, and the errors for files, directories,
// non-empty targets, moves into oneself and bad flags.
#include "fs_check.h"

#define DIR "/tmp/pkgload-fs_rename"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE  (1 << 1)
#define RENAME_WHITEOUT  (1 << 2)
#endif

static long
renameat2_raw(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags)
{
    return syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

static void
files(void)
{
    int fd;

    write_file("a", "A");
    write_file("b", "B");
    CHECK("rename a c", rename("a", "c"));
    show_dir("after", ".");
    show_file("c", "c");
    CHECK("rename c b (replaces)", rename("c", "b"));
    show_file("b", "b");
    show_dir("after", ".");
    CHECK("rename b b (same name)", rename("b", "b"));
    CHECK("rename missing x", rename("missing", "x"));
    CHECK("rename b missing/x", rename("b", "missing/x"));
    CHECK("rename b/ x", rename("b/", "x"));
    CHECK("rename b x/", rename("b", "x/"));
    CHECK("rename empty", rename("", "x"));
    CHECK("rename bad old", syscall(SYS_rename, BAD_PTR, "x"));
    CHECK("rename bad new", syscall(SYS_rename, "b", BAD_PTR));
    CHECK("rename into /proc (another filesystem)", rename("b", "/proc/pkgload-x"));
    CHECK("rename out of /proc", rename("/proc/self", "x"));
    fd = open("b", O_RDONLY);
    CHECK("rename b open", rename("b", "opened"));
    show_dir("after", ".");
    char buf[4] = { 0 };
    CHECK("read through the old fd", read(fd, buf, 3));
    printf("read: [%s]\n", buf);
    close(fd);
    CHECK("link opened hard", link("opened", "hard"));
    CHECK("rename opened hard (same file)", rename("opened", "hard"));
    show_dir("both names stay", ".");
    CHECK("unlink hard", unlink("hard"));
}

// Directories count their subdirectories' ".." (ext4 and tmpfs alike).
static void
show_dir_nlink(const char *name, const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        printf("%s: -1 %s\n", name, errno_name(errno));
    else
        printf("%s: nlink=%lu\n", name, (unsigned long)st.st_nlink);
}

static void
directories(void)
{
    CHECK("mkdir d", mkdir("d", 0755));
    CHECK("mkdir e", mkdir("e", 0755));
    CHECK("mkdir full", mkdir("full", 0755));
    write_file("full/x", "x");
    CHECK("rename d e (replaces empty)", rename("d", "e"));
    show_dir("after", ".");
    CHECK("rename e full (not empty)", rename("e", "full"));
    CHECK("rename e opened (dir onto file)", rename("e", "opened"));
    CHECK("rename opened e (file onto dir)", rename("opened", "e"));
    CHECK("rename e e/sub (into itself)", rename("e", "e/sub"));
    CHECK("mkdir e/in", mkdir("e/in", 0755));
    CHECK("rename e e/in/deeper", rename("e", "e/in/deeper"));
    CHECK("rename e/in e/../moved", rename("e/in", "e/../moved"));
    show_dir("after", ".");
    show_dir("e", "e");
    show_dir_nlink(". after moves", ".");
    show_dir_nlink("moved", "moved");
    CHECK("rename . x", rename(".", "x"));
    CHECK("rename e/.. x", rename("e/..", "x"));
    CHECK("rename x .", rename("opened", "."));
    CHECK("rename moved/ e/", rename("moved/", "e/"));
    show_dir("after", ".");
    CHECK("rename e/moved/ y (trailing slash on a dir)", rename("e/moved/", "y"));
    CHECK("rename full/x full/ (onto its parent)", rename("full/x", "full"));
    CHECK("rename full x/ where x is new", rename("full", "z/"));
    show_dir("after", ".");
    show_dir_nlink(". after moves", ".");
    show_dir_nlink("e", "e");
}

static void
at_and_flags(void)
{
    int dfd = open("z", O_RDONLY | O_DIRECTORY);

    CHECK("renameat z/x ../zx", renameat(dfd, "x", dfd, "../zx"));
    CHECK("renameat bad dirfd", renameat(99, "x", dfd, "y"));
    show_dir("after", ".");
    write_file("p", "P");
    write_file("q", "Q");
    CHECK("NOREPLACE onto q", renameat2_raw(AT_FDCWD, "p", AT_FDCWD, "q", RENAME_NOREPLACE));
    CHECK("NOREPLACE to r", renameat2_raw(AT_FDCWD, "p", AT_FDCWD, "r", RENAME_NOREPLACE));
    CHECK("EXCHANGE r q", renameat2_raw(AT_FDCWD, "r", AT_FDCWD, "q", RENAME_EXCHANGE));
    show_file("r", "r");
    show_file("q", "q");
    CHECK("EXCHANGE r missing", renameat2_raw(AT_FDCWD, "r", AT_FDCWD, "missing", RENAME_EXCHANGE));
    CHECK("EXCHANGE file and dir", renameat2_raw(AT_FDCWD, "r", AT_FDCWD, "z", RENAME_EXCHANGE));
    show_dir("after", ".");
    show_file("z (now the file)", "z");
    show_dir("r (now the dir)", "r");
    CHECK("EXCHANGE|NOREPLACE",
          renameat2_raw(AT_FDCWD, "r", AT_FDCWD, "q", RENAME_EXCHANGE | RENAME_NOREPLACE));
    CHECK("unknown flag", renameat2_raw(AT_FDCWD, "r", AT_FDCWD, "q", 1 << 5));
    CHECK("EXCHANGE with itself", renameat2_raw(AT_FDCWD, "q", AT_FDCWD, "q", RENAME_EXCHANGE));
    CHECK("NOREPLACE with itself", renameat2_raw(AT_FDCWD, "q", AT_FDCWD, "q", RENAME_NOREPLACE));
    CHECK("EXCHANGE dir into itself",
          renameat2_raw(AT_FDCWD, "r", AT_FDCWD, "r/sub", RENAME_EXCHANGE));
    close(dfd);
}

int
main(void)
{
    enter_scratch(DIR);
    files();
    directories();
    at_and_flags();
    leave_scratch(DIR);
    return 0;
}
